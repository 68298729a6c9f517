"""HTTP entry points: Blueprints that parse, call one service, and return a dict."""
