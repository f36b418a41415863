"""For the course's authors. `check` proves the course whole: every lab's parts exist and
agree, every starter fails a check of each task, every solution and other correct solution
passes, every known-bad variant fails the check it names; each problem names the lab, the
file and the fix, and the exit status is 1 if there is any. `new` writes the skeleton of a
lab that `check` then names as unfinished, item by item."""

from __future__ import annotations

import argparse
import sys
import time

from irqlab.checks.words import plural
from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.dev.check import check_course
from irqlab.dev.new import new_lab

HELP = "for course authors: prove the course whole (check), or start a lab (new)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser(
        "check",
        help="prove the course whole, naming each problem's lab, file and fix",
        description="Check every lab in course.toml (or one): its parts, its texts, its "
        "checks, and the verdicts on its starter, solution and variants.",
    )
    check.add_argument("--lab", metavar="N", help="check only this lab (number or slug)")
    check.add_argument(
        "--jobs", type=int, metavar="J", help="programs checked at once (default: the cores)"
    )
    add_course_option(check)
    new = sub.add_parser(
        "new",
        help="write the skeleton of a new lab",
        description="Write a new lab's course.toml entry, starter, solution, checks module, "
        "page, notebook and tests/bad folder, each marked TODO(author) where you write.",
    )
    new.add_argument("slug", metavar="SLUG", help="NN-words, e.g. 04-event-queue")
    new.add_argument("--title", required=True, help="the lab's title")
    add_course_option(new)


def main(args: argparse.Namespace) -> int:
    course = course_from(args)
    if args.action == "new":
        for path in new_lab(course, args.slug, args.title):
            print(f"wrote {path.relative_to(course.root)}")
        print(f"Next: `irqlab dev check --lab {args.slug}` lists what the lab still lacks.")
        return 0
    only = course.lab(args.lab) if args.lab else None
    started = time.monotonic()
    problems = check_course(course, only, args.jobs)
    for problem in problems:
        print(problem)
    labs = plural(1 if only else len(course.labs), "lab")
    took = f"{time.monotonic() - started:.0f} s"
    if problems:
        print(f"{plural(len(problems), 'problem')} in {labs} ({took})", file=sys.stderr)
        return 1
    print(f"the course is whole: {labs} ({took})")
    return 0
