#!/usr/bin/env python3
"""Writes the engine benchmark CSV: id,name,email,city,amount,date,notes.

Deterministic (fixed seed). Some names and notes are quoted because they hold
commas or doubled quotes, as real exports do. Usage: gen_engine_csv.py ROWS OUT
"""
import random
import sys

FIRST = ["John", "Mary", "Ana", "Luis", "Wei", "Fatima", "Olga", "Peter", "Aiko", "Omar",
         "Grace", "Ivan", "Chloe", "Raj", "Sofia", "Tom", "Lena", "Marco", "Nina", "Yusuf"]
LAST = ["Smith", "Garcia", "Chen", "Müller", "Okafor", "Rossi", "Kim", "Novak", "Silva",
        "O'Brien", "Dubois", "Haddad", "Jensen", "Kowalski", "Tanaka", "Brown"]
CITIES = ["New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia",
          "San Antonio", "San Diego", "Dallas", "Austin", "Boston", "Seattle", "Denver",
          "Miami", "Atlanta", "Portland"]
NOTES = ["", "", "", "first order", "called twice, no answer", 'said "deliver after 5pm"',
         "VIP customer", "prefers email", "address changed, see ticket 4411",
         "returned item", 'asked for "gift wrap", paid extra', "n/a"]


def quote(s):
    if any(c in s for c in ',"\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(20260109)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("id,name,email,city,amount,date,notes\n")
        buf = []
        for i in range(1, rows + 1):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            name = f"{last}, {first}" if rnd.random() < 0.3 else f"{first} {last}"
            email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}@example.com"
            amount = f"{rnd.randint(1, 500000) / 100:.2f}"
            date = f"20{rnd.randint(18, 25):02d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
            note = rnd.choice(NOTES)
            if rnd.random() < 0.2:
                note = (note + " " if note else "") + "lorem ipsum dolor sit amet, consectetur"
            buf.append(f"{i},{quote(name)},{email},{rnd.choice(CITIES)},{amount},{date},{quote(note)}\n")
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


if __name__ == "__main__":
    main()
