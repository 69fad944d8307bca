import sys

from .harness import main

results = main()
sys.exit(1 if results.get("failures") else 0)
