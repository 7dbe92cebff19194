from synceng.cli import main

if __name__ == "__main__":  # a sharded scenario's worker processes import this module again
    main()
