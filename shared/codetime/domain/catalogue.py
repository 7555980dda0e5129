"""What CodeTime knows of programming languages and editors, for WakaTime's `GET /program_languages` and
`GET /editors`. Pure data: languages are named by the plugins (wakatime-cli detects them, CodeTime stores what
it sends), so this is the catalogue of names wakatime-cli reports most, not a limit on what can be stored.
"""

from __future__ import annotations

# (name, color) - colors as GitHub's linguist shows them, for charts.
LANGUAGES: tuple[tuple[str, str | None], ...] = (
    ("Assembly", "#6E4C13"), ("Bash", "#89E051"), ("C", "#555555"), ("C#", "#178600"), ("C++", "#F34B7D"),
    ("Clojure", "#DB5855"), ("CSS", "#563D7C"), ("CSV", None), ("Dart", "#00B4AB"), ("Docker", "#384D54"),
    ("Elixir", "#6E4A7E"), ("Elm", "#60B5CC"), ("Erlang", "#B83998"), ("F#", "#B845FC"), ("Fortran", "#4D41B1"),
    ("Go", "#00ADD8"), ("GraphQL", "#E10098"), ("Groovy", "#4298B8"), ("Haskell", "#5E5086"), ("HCL", "#844FBA"),
    ("HTML", "#E34C26"), ("INI", None), ("Java", "#B07219"), ("JavaScript", "#F1E05A"), ("JSON", "#292929"),
    ("Julia", "#A270BA"), ("Kotlin", "#A97BFF"), ("LaTeX", "#3D6117"), ("Less", "#1D365D"), ("Lua", "#000080"),
    ("Makefile", "#427819"), ("Markdown", "#083FA1"), ("Nix", "#7E7EFF"), ("Objective-C", "#438EFF"),
    ("OCaml", "#EF7A08"), ("Other", None), ("Perl", "#0298C3"), ("PHP", "#4F5D95"), ("PowerShell", "#012456"),
    ("Python", "#3572A5"), ("R", "#198CE7"), ("Ruby", "#701516"), ("Rust", "#DEA584"), ("Scala", "#C22D40"),
    ("SCSS", "#C6538C"), ("Shell", "#89E051"), ("SQL", "#E38C00"), ("Svelte", "#FF3E00"), ("Swift", "#F05138"),
    ("Terraform", "#844FBA"), ("Text", None), ("TOML", "#9C4221"), ("TSX", "#3178C6"), ("TypeScript", "#3178C6"),
    ("Vue.js", "#41B883"), ("XML", "#0060AC"), ("YAML", "#CB171E"), ("Zig", "#EC915C"),
)  # fmt: skip

# (slug as plugins send it in their User-Agent, display name, website)
EDITORS: tuple[tuple[str, str, str | None], ...] = (
    ("androidstudio", "Android Studio", "https://developer.android.com/studio"),
    ("claude", "Claude", None),
    ("cursor", "Cursor", "https://cursor.com"),
    ("eclipse", "Eclipse", "https://eclipse.org"),
    ("emacs", "Emacs", "https://www.gnu.org/software/emacs/"),
    ("goland", "GoLand", "https://www.jetbrains.com/go/"),
    ("intellij", "IntelliJ IDEA", "https://www.jetbrains.com/idea/"),
    ("jupyter", "Jupyter", "https://jupyter.org"),
    ("neovim", "Neovim", "https://neovim.io"),
    ("phpstorm", "PhpStorm", "https://www.jetbrains.com/phpstorm/"),
    ("pycharm", "PyCharm", "https://www.jetbrains.com/pycharm/"),
    ("rider", "Rider", "https://www.jetbrains.com/rider/"),
    ("rubymine", "RubyMine", "https://www.jetbrains.com/ruby/"),
    ("sublime_text", "Sublime Text", "https://www.sublimetext.com"),
    ("vim", "Vim", "https://www.vim.org"),
    ("visualstudio", "Visual Studio", "https://visualstudio.microsoft.com"),
    ("vscode", "VS Code", "https://code.visualstudio.com"),
    ("webstorm", "WebStorm", "https://www.jetbrains.com/webstorm/"),
    ("windsurf", "Windsurf", None),
    ("xcode", "Xcode", "https://developer.apple.com/xcode/"),
    ("zed", "Zed", "https://zed.dev"),
)
