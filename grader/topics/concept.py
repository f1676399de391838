"""Concept questions: multiple choice on the ideas behind the numbers, each wrong option
with why it is wrong."""

from __future__ import annotations

from exercises.concept import Concept
from exercises.solutions import steps as s
from grader.topics import Topic

TOPIC = Topic(id="concept", order=90, exercises=(Concept(),), solutions={"concept": s.concept})
