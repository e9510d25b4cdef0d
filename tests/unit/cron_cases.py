#!/usr/bin/python3
"""Writes tests/unit/cron_cases.h: the answers of python3-croniter (Debian's
package, the reference implementation) for the cron expressions and start
times below, so that test_cron.c checks common/cron.c against them without
croniter at test time.

    /usr/bin/python3 tests/unit/cron_cases.py > tests/unit/cron_cases.h

Each case: expression, time zone, a start instant, and the next five fire
instants croniter gives after it (seconds since the epoch).

Cases whose fires cross a daylight-saving change are left out: croniter
1.3.5 keeps the start's UTC offset across the change (in Europe/Berlin on
2026-03-29 it answers 04:00 for "0 */3 * * *" after 00:30), which is not
what a wall clock shows. test_cron.c checks those days by hand."""

from datetime import datetime, timezone

import pytz
from croniter import croniter

EXPRESSIONS = [
    "0 2 * * *", "* * * * *", "*/5 * * * *", "5/15 * * * *", "0 */3 * * *",
    "30 9-17 * * mon-fri", "15,45 8,20 * * *", "0 0 1 * *", "0 0 1 jan *",
    "0 12 * JAN,jul *", "0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 * * 1-5",
    "0 0 1-31/2 * mon", "0 0 */2 * 1", "0 0 1 * mon", "0 0 * * */2", "0 0 29 2 *",
    "59 23 31 12 *", "0 0 31 * *", "10-50/20 1-5/2 * * *", "0 0 13 * fri",
    "*/100 * * * *", "0 4 8-14 * *", "1 2 3 4 5", "0 0 * feb-apr sat",
    "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@midnight", "@annually",
    "30 2 * * *", "30 1 * * *", "0 3 * * *", "*/30 * * * *", "45 2 * 3,10 sun",
]
ZONES = ["UTC", "Europe/Berlin", "America/New_York"]
# Start times (wall clock in the zone): ordinary days, month and year ends,
# a leap day, and the days of the daylight-saving changes of 2026.
STARTS = [
    (2026, 1, 9, 10, 0, 0), (2026, 2, 27, 23, 59, 30), (2026, 12, 31, 23, 59, 0),
    (2028, 2, 28, 12, 0, 0), (2026, 3, 29, 0, 30, 0), (2026, 3, 8, 0, 30, 0),
    (2026, 10, 25, 0, 10, 0), (2026, 11, 1, 0, 10, 0), (2026, 6, 15, 2, 45, 10),
]
COUNT = 5


def change_day(zone, instant):
    """True when the wall-clock day of instant has a daylight-saving change."""
    day = zone.normalize(instant).replace(tzinfo=None)
    first = zone.localize(datetime(day.year, day.month, day.day))
    last = zone.localize(datetime(day.year, day.month, day.day, 23, 59))
    return first.utcoffset() != last.utcoffset()


def cases():
    for tz in ZONES:
        zone = pytz.timezone(tz)
        for expr in EXPRESSIONS:
            for start in STARTS:
                begin = zone.localize(datetime(*start))
                it = croniter(expr, begin)
                fires = [it.get_next(datetime) for _ in range(COUNT)]
                offsets = {begin.utcoffset()} | {zone.normalize(f).utcoffset() for f in fires}
                if len(offsets) > 1 or any(change_day(zone, f) for f in fires):
                    continue
                fires = [int(f.timestamp()) for f in fires]
                yield expr, tz, int(begin.timestamp()), fires


def main():
    print("/* Written by tests/unit/cron_cases.py from python3-croniter's answers; do not edit. */")
    print("static const struct cron_case {")
    print("    const char *expr, *tz;")
    print("    long long start, next[%d];" % COUNT)
    print("} cron_cases[] = {")
    for expr, tz, start, fires in cases():
        print('    {"%s", "%s", %d, {%s}},' % (expr, tz, start, ", ".join(str(f) for f in fires)))
    print("};")


if __name__ == "__main__":
    main()
