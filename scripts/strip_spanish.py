#!/usr/bin/env python3
"""Copies entry files without their Spanish phrasings and corrections, for measuring cross-lingual matching.

Usage: scripts/strip_spanish.py KB-FOLDER OUTPUT-FOLDER

A text counts as Spanish when it has more of the common Spanish words below than of the English ones, and at least
two of them or a Spanish letter (á é í ó ú ñ ¿ ¡). Prints how many texts it dropped to stderr.
"""
import json
import pathlib
import re
import sys

SPANISH = {"el", "la", "los", "las", "de", "del", "que", "en", "y", "por", "para", "con", "una", "un", "es", "se", "ni", "sin", "hay", "votaron", "muchos",
           "fue", "hubo", "sus", "al", "lo", "más", "pero", "votos", "boletas", "elección", "elecciones", "muertos"}
ENGLISH = {"the", "of", "and", "to", "in", "was", "were", "is", "a", "that", "for", "on", "with", "they", "it", "by"}


def is_spanish(text):
    words = re.findall(r"[a-záéíóúñü]+", text.lower())
    spanish = sum(w in SPANISH for w in words)
    english = sum(w in ENGLISH for w in words)
    accented = re.search(r"[áéíóúñ¿¡]", text.lower()) is not None
    return spanish > english and (spanish >= 2 or accented)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    dropped = 0
    for path in sorted(source.glob("*.json")):
        if path.name == "entry.schema.json":
            continue
        entry = json.loads(path.read_text(encoding="utf-8"))
        for field in ("phrasings", "corrections"):
            kept = [text for text in entry.get(field, []) if not is_spanish(text)]
            dropped += len(entry.get(field, [])) - len(kept)
            entry[field] = kept
        (target / path.name).write_text(json.dumps(entry, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"strip_spanish: dropped {dropped} Spanish phrasings and corrections", file=sys.stderr)


if __name__ == "__main__":
    main()
