import sys

try:
    from .cli import main
    code = main()
except KeyboardInterrupt:      # Ctrl-C while starting up, before the demo's own handler
    print("yaae: interrupted", file=sys.stderr)
    code = 130
raise SystemExit(code)
