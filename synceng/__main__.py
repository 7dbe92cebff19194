from synceng.cli import main

main()
