"""The example queries of the SPARQL page and the home page: `*.rq` files in the examples folder, each
opening with a line `# Question: …` that titles it (the dataset's competency questions)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUESTION_PREFIX = "# question:"


@dataclass(frozen=True)
class Example:
    name: str  # the file's stem, e.g. "03-agreements-by-year"
    question: str
    query: str


def read_examples(folder: Path) -> dict[str, Example]:
    """The examples by name, in file order; a file without a question line is titled by its name.
    A missing folder has none."""
    examples = {}
    for path in sorted(Path(folder).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.split("\n", 1)[0]
        question = first[len(QUESTION_PREFIX):].strip() if first.lower().startswith(QUESTION_PREFIX) else path.stem
        examples[path.stem] = Example(path.stem, question, text)
    return examples
