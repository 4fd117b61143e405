"""The example queries of the SPARQL page and the home page: `*.rq` files in the examples folder, each
opening with a line `# Question: …` that titles it (the dataset's competency questions), followed by the same
question in other languages, one line each: `# Question@fr: …`, `# Question@zh: …`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from server.i18n import localized
from server.names import Name

QUESTION = re.compile(r"#\s*question(?:@([A-Za-z-]+))?:\s*(.*)", re.IGNORECASE)
DEFAULT_LANGUAGE = "en"  # of a `# Question:` line without a language


@dataclass(frozen=True)
class Example:
    name: str  # the file's stem, e.g. "03-agreements-by-year"
    question: str  # in English (or the only language it is asked in)
    query: str
    questions: Mapping[str, str] = field(default_factory=dict)  # by language, English included

    def asked_in(self, language: str) -> Name:
        """The question in the reader's language, else English: a Name that knows which it is."""
        return localized(self.questions or {DEFAULT_LANGUAGE: self.question}, language)


def read_examples(folder: Path) -> dict[str, Example]:
    """The examples by name, in file order; a file without a question line is titled by its name.
    A missing folder has none."""
    examples = {}
    for path in sorted(Path(folder).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        questions = {}
        for line in text.split("\n"):
            found = QUESTION.fullmatch(line.strip())
            if not found:
                break  # the questions open the file
            questions[(found[1] or DEFAULT_LANGUAGE).lower()] = found[2].strip()
        question = questions.get(DEFAULT_LANGUAGE) or next(iter(questions.values()), path.stem)
        examples[path.stem] = Example(path.stem, question, text, questions)
    return examples
