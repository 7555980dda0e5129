"""AWS CDK app for CodeTime: one stack (`stack.py`) composed of one construct per concern."""
