// Vite builds the dashboard into web/dist: hashed file names under /assets (cached for good), index.html (never cached).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: { outDir: "dist", assetsDir: "assets", target: "es2022", sourcemap: false, reportCompressedSize: false },
});
