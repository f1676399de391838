"""Concept questions: multiple choice on the ideas behind the numbers, each wrong option
with why it is wrong."""

from __future__ import annotations

from grader.topics import Quiz, Topic


def quiz() -> Quiz:
    from exercises.concept import Concept
    from exercises.solutions import steps as s

    return Quiz(exercises=(Concept(),), solutions={"concept": s.concept})


TOPIC = Topic(id="concept", order=90, quiz=quiz)
