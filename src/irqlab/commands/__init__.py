"""One module per `irqlab` subcommand: HELP, add_arguments(parser), main(args)."""
