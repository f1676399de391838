"""Per-student random streams derived from the course secret.

A student's variant of a question comes from HMAC-SHA256(secret, assignment, question id,
student id): the same inputs always give the same problem, and without the secret no one can
compute another student's variant. The fields are encoded as a JSON list, so no two different
tuples of fields share a message.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import numpy as np

# Used when no secret file is given: fine for one public problem set, never for graded work.
DEFAULT_SECRET = b"grader public default secret: not for graded work"


def derive(secret: bytes, *fields: str) -> bytes:
    """The 32-byte HMAC-SHA256 of ``fields`` under ``secret``."""
    if not secret:
        raise ValueError("the secret must not be empty")
    message = json.dumps(list(fields), ensure_ascii=False).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()


def question_seed(secret: bytes, assignment: str, question: str, student: str) -> int:
    """A 256-bit seed for one student's variant of one question."""
    return int.from_bytes(derive(secret, "question", assignment, question, student), "big")


def question_rng(
    secret: bytes, assignment: str, question: str, student: str
) -> np.random.Generator:
    """The generator that draws one student's variant of one question."""
    return np.random.Generator(
        np.random.PCG64(question_seed(secret, assignment, question, student))
    )


def code_seed(secret: bytes, assignment: str, student: str) -> int:
    """A 64-bit seed for one student's hidden code tests (not the public tests of ``check``)."""
    return int.from_bytes(derive(secret, "code", assignment, student)[:8], "big")


def read_secret(path: str) -> bytes:
    """The bytes of a secret file without its trailing newline; empty or unreadable is an error."""
    from grader.errors import InputError

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(path, f"cannot read the secret file: {exc.strerror or exc}") from None
    data = data.rstrip(b"\r\n")
    if not data.strip():
        raise InputError(path, "the secret file is empty")
    return data
