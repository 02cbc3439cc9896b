"""The command line itself: start-up cost, the fast path, tables and printed paths, the README,
the demo and the installed package."""
