"""Generate bot/data/common_passwords.txt: the passwords guessers try first, from known patterns.

No list is downloaded (at build or run time): the file is generated from the shapes that top
every published breach list (keyboard walks, digit runs, words + years/digits, pinyin words),
so it is reproducible and its licence is ours. Run: ``python benchmarks/make_common_passwords.py``.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bot" / "data" / "common_passwords.txt"

WORDS = """
password passw0rd p@ssw0rd p@ssword qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm
letmein welcome admin administrator login master dragon monkey shadow sunshine princess
football baseball soccer hockey superman batman iloveyou trustno1 starwars whatever freedom
michael jennifer charlie jordan hunter ranger buster thomas robert daniel george computer
internet secret changeme default guest test tester hello hello123 summer winter spring autumn
love lovely flower cookie cheese chocolate pepper orange banana apple samsung google facebook
yahoo microsoft windows linux ubuntu oracle mysql root toor user demo manager trainer sales
coach coaching customer company business office market marketing service support server
woaini wodemima mima nihao zhongguo beijing shanghai shenzhen guangzhou aini woaini1314
qazwsx qazwsxedc 1qaz2wsx 1q2w3e4r 1q2w3e4r5t zaq12wsx abc abcd abcde abcdef abcdefg abcdefgh
killer access mustang maggie pussy ginger joshua pepper matrix silver golden diamond tigger
""".split()  # noqa: SIM905 -- a word list reads and edits better as plain text
SUFFIXES = [
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "!",
    "1!",
    "123!",
    "01",
    "007",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
    "520",
    "1314",
    "888",
    "666",
    "@123",
    "#1",
    "99",
    "00",
    "11",
]


def candidates() -> set[str]:
    found: set[str] = set()
    for n in range(4, 21):  # digit runs and repeats: 123456..., 111111..., 987654...
        found.add("".join(str((i + 1) % 10) for i in range(n)))
        found.add("".join(str((i) % 10) for i in range(n)))
        found.add("".join(str(9 - i % 10) for i in range(n)))
        for d in "0123456789":
            found.add(d * n)
        for pair in ("12", "69", "88", "13", "52", "ab", "qw"):
            found.add((pair * n)[:n])
    for word in WORDS:
        for variant in {word, word.capitalize(), word.upper()}:
            for suffix in SUFFIXES:
                found.add(variant + suffix)
    for walk in (
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx3edc",
        "qazwsxedcrfv",
        "1234qwer",
        "qwer1234",
    ):
        for n in range(6, len(walk) + 1):
            found.add(walk[:n])
    for year in range(1950, 2031):  # birthdays and years as passwords
        found.add(f"{year}")
        for word in ("love", "pass", "admin", "qwerty", "abc"):
            found.add(f"{word}{year}")
    return {c.lower() for c in found if len(c) >= 6}


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = sorted(candidates())
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} passwords -> {OUT}")


if __name__ == "__main__":
    main()
