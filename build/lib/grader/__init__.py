"""grader: auto-graded exercises and quizzes for neural-network courses."""

__version__ = "0.1.0"
