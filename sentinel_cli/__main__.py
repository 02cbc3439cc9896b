from sentinel_cli.cli import main

main()
