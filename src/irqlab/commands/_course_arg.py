"""The --course option shared by the student commands, and the lab it leads to."""

from __future__ import annotations

import argparse

from irqlab.course import Course, find_course, load_course


def add_course_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--course",
        metavar="DIR",
        help="the course folder (default: the folder with course.toml above this one)",
    )


def course_from(args: argparse.Namespace) -> Course:
    if args.course:
        return load_course(args.course)
    return find_course()
