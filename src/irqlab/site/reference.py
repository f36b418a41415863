"""The `irqlab` command reference, written from the CLI's own argparse definitions, so the
page says exactly what `irqlab COMMAND --help` says."""

from __future__ import annotations

import argparse

from irqlab import cli


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _argument_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        metavar = action.metavar if isinstance(action.metavar, str) else None
        name = ", ".join(action.option_strings) or (metavar or action.dest)
        if action.option_strings and action.nargs != 0:
            name += f" {metavar or action.dest.upper()}"
        details = action.help or ""
        if action.choices is not None:
            details += f" (one of: {', '.join(map(str, action.choices))})"
        if action.default not in (None, False, argparse.SUPPRESS) and "default" not in details:
            details += f" (default: {action.default})"
        rows.append(f"| `{_cell(str(name))}` | {_cell(details.strip())} |")
    return rows


def _usage(parser: argparse.ArgumentParser) -> str:
    # A fixed width, so the page is the same whatever terminal builds the site.
    formatter = argparse.HelpFormatter(parser.prog, width=88)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, "")
    return formatter.format_help().strip()


def _command_section(name: str, parser: argparse.ArgumentParser, level: int = 2) -> list[str]:
    """One command's heading, description, usage and arguments; its own subcommands below."""
    out = [f"{'#' * level} irqlab {name}", ""]
    if parser.description:
        out += [parser.description.strip(), ""]
    usage = _usage(parser)
    out += ["```text", usage, "```", ""]
    rows = _argument_rows(parser)
    if rows:
        out += ["| argument | what it does |", "|---|---|", *rows, ""]
    for sub_name, sub in subcommands(parser).items():
        out += _command_section(f"{name} {sub_name}", sub, level + 1)
    return out


def markdown() -> str:
    """The whole reference page."""
    parser = cli.build_parser()
    commands = subcommands(parser)
    out = [
        "# Command reference",
        "",
        "Every `irqlab` command, as `irqlab COMMAND --help` describes it. This page is "
        "written from the command's own definitions each time the site is built.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    modules = cli.commands()
    for name in commands:
        out.append(f"| [`irqlab {name}`](#irqlab-{name}) | {_cell(modules[name].HELP)} |")
    out.append("")
    for name, sub in commands.items():
        out += _command_section(name, sub)
    return "\n".join(out) + "\n"
