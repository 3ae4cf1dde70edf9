"""Figures of the compliance pipeline (docs/compliance.md): start-up, memory, per-line cost.

    .venv/bin/python scripts/bench_compliance.py [--lines 3000]

1. Building the pipeline in a fresh process: spaCy imported without TensorFlow (as the package
   does) and with it (as thinc would by default), time and resident memory.
2. Masking personal numbers per line, the spaCy pipeline against the regex it replaced, for desk
   log lines, chat lines with numbers and lines with too few digits to hold one.
3. Checking an agent's message for forbidden phrases, per message.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Match

from compliance.checker import check
from compliance.masking import mask_personal_numbers

ROOT = Path(__file__).resolve().parent.parent

# The regex compliance/masking.py used before the spaCy pipeline.
LEGACY = re.compile(r"(?<![0-9])\d(?:[- ]?\d){8,}[\dXx](?![0-9A-Za-z])")

START_UP = """
import json, resource, sys, time
started = time.perf_counter()
if {with_tensorflow}:
    import tensorflow  # what thinc imports when it is installed
from compliance.checker import check
check("您好")
print(json.dumps({{
    "seconds": time.perf_counter() - started,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "tensorflow": "tensorflow" in sys.modules,
}}))
"""

LOG_LINES = [
    "ticket conversation=0123456789abcdef0123456789012345 reason=complaint ahead=3",
    "accepted conversation=0123456789abcdef0123456789012345 agent=2001",
    "reverse lookup passed account=3857102946",
    "held conversation=9f86d081884c7d659a2feaa0c55ad015 agent=2001 rules=vague_possibly",
    "rasa delivery failed conversation=abc: 访客说:我的手机是13812345678",
]
CHAT_LINES = [
    "我的手机是13812345678,身份证11010519491231002X",
    "银行卡6222 0212 3456 7890 128,户号3857102946",
    "电话 138-1234-5678,麻烦尽快联系我",
]
FEW_DIGITS = ["您好,请问有什么可以帮您?", "订单123456一直没发货", "转人工"]
MESSAGES = [
    "您好,请问有什么可以帮您?",
    "这个可能要等,你去投诉好了。",
    "很抱歉,您这个问题我需要咨询下,然后再给您答复,请您稍候,您看可以吗?",
]


def legacy_mask(text: str) -> str:
    def mask(match: Match[str]) -> str:
        digits = re.sub(r"[- ]", "", match.group(0))
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]

    return LEGACY.sub(mask, text)


def per_call_us(function: Callable[[str], object], lines: List[str], rounds: int) -> List[float]:
    """Microseconds of each call, over `rounds` passes through `lines`."""
    samples = []
    for _ in range(rounds):
        for line in lines:
            started = time.perf_counter()
            function(line)
            samples.append((time.perf_counter() - started) * 1e6)
    return samples


def summary(samples: List[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered):9.1f} {p99:9.1f} {statistics.mean(ordered):9.1f}"


def start_up(with_tensorflow: bool) -> Dict[str, float]:
    code = START_UP.format(with_tensorflow=with_tensorflow)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    figures: Dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=3000, help="calls per measurement")
    args = parser.parse_args()

    print("pipeline start-up in a fresh process (import, jieba, rules; first check)")
    for with_tensorflow in (False, True):
        figures = start_up(with_tensorflow)
        label = "with TensorFlow loaded " if with_tensorflow else "as the package does    "
        print(f"  {label} {figures['seconds']:5.2f} s  {figures['max_rss_mb']:6.0f} MB")

    mask_personal_numbers("预热 13812345678")  # build the pipeline before timing
    check("预热")
    print("\nper line, µs                        p50       p99      mean")
    for name, lines in (("desk log lines", LOG_LINES), ("chat lines with numbers", CHAT_LINES)):
        rounds = max(1, args.lines // len(lines))
        print(
            f"  mask, spaCy: {name:22}{summary(per_call_us(mask_personal_numbers, lines, rounds))}"
        )
        print(f"  mask, regex: {name:22}{summary(per_call_us(legacy_mask, lines, rounds))}")
    rounds = max(1, args.lines // len(FEW_DIGITS))
    few = per_call_us(mask_personal_numbers, FEW_DIGITS, rounds)
    print(f"  mask, spaCy: {'fewer than 9 digits':22}{summary(few)}")
    rounds = max(1, args.lines // len(MESSAGES))
    print(f"  check an agent message:           {summary(per_call_us(check, MESSAGES, rounds))}")
    # The regex it replaced masks the same chat lines; in log lines it also masked the digits
    # of hex ids, which are not personal numbers (docs/compliance.md).
    assert [mask_personal_numbers(line) for line in CHAT_LINES] == [
        legacy_mask(line) for line in CHAT_LINES
    ]


if __name__ == "__main__":
    main()
