"""The customer directory's command line, for operators, and the sample it writes.

    python -m actions.directory_cli generate [--path P] [--count N] [--seed S]
    python -m actions.directory_cli show ACCOUNT_NUMBER [--path P]
    python -m actions.directory_cli list [--limit N] [--path P]   (a few records, for a demo)

`generate_sample` writes the deterministic SQLite directory of fake customers that `make
directory` and the tests use; the backends that read it are in actions/directory.py.
"""

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import List, Sequence, Set, Tuple

from actions.directory import (
    FIELDS,
    Customer,
    Directory,
    DirectoryUnavailable,
    SqliteDirectory,
    open_directory,
)
from actions.normalize import normalize_account_number
from actions.settings import Settings

# Sample data for `generate_sample`.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐")
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯婷雪琳晨欣怡"
    "子轩梓涵一诺佳琪雨泽思远博文嘉欣俊杰海燕志强春梅晓东丹阳佩玲振华宏亮瑞雅静怡天佑若曦梦"
)
_PLACES: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("北京市", ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "通州区")),
    ("上海市", ("黄浦区", "徐汇区", "长宁区", "静安区", "浦东新区", "闵行区")),
    ("天津市", ("和平区", "河西区", "南开区", "滨海新区")),
    ("重庆市", ("渝中区", "江北区", "南岸区", "沙坪坝区", "九龙坡区")),
    ("浙江省杭州市", ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区")),
    ("浙江省宁波市", ("海曙区", "江北区", "鄞州区", "北仑区")),
    ("江苏省南京市", ("玄武区", "秦淮区", "鼓楼区", "建邺区", "江宁区")),
    ("江苏省苏州市", ("姑苏区", "虎丘区", "吴中区", "工业园区")),
    ("广东省广州市", ("越秀区", "天河区", "海珠区", "白云区", "番禺区")),
    ("广东省深圳市", ("福田区", "罗湖区", "南山区", "宝安区", "龙岗区")),
    ("四川省成都市", ("锦江区", "青羊区", "武侯区", "成华区", "金牛区")),
    ("湖北省武汉市", ("江岸区", "江汉区", "武昌区", "洪山区", "汉阳区")),
    ("湖南省长沙市", ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区")),
    ("山东省济南市", ("历下区", "市中区", "槐荫区", "天桥区")),
    ("山东省青岛市", ("市南区", "市北区", "黄岛区", "崂山区")),
    ("河南省郑州市", ("中原区", "二七区", "金水区", "管城回族区")),
    ("陕西省西安市", ("新城区", "碑林区", "莲湖区", "雁塔区", "未央区")),
    ("福建省福州市", ("鼓楼区", "台江区", "仓山区", "晋安区")),
    ("辽宁省沈阳市", ("和平区", "沈河区", "皇姑区", "铁西区")),
    ("新疆维吾尔自治区乌鲁木齐市", ("天山区", "沙依巴克区", "新市区")),
)
_ROADS = tuple(
    "文三路 中山路 人民路 解放路 建设路 和平路 长江路 黄河路 新华路 胜利街 学院路 湖滨路 滨江大道"
    " 世纪大道 青年路 花园街 朝阳路 东风路 延安路 南京路 北京路 光明街 幸福路 金桥路 科技路 文化路"
    " 友谊路".split()
)
_MINORITY_NAMES = tuple(
    "买买提·艾力 阿依古丽·吐尔逊 艾克拜尔·买买提 古丽娜尔·阿不都 热依拉·艾山 努尔艾力·卡德尔"
    " 迪丽娜尔·阿木提 阿卜杜拉·司马义".split()
)


def _sample_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.01:
        return rng.choice(_MINORITY_NAMES)
    surname = rng.choice(_COMPOUND_SURNAMES) if roll < 0.05 else rng.choice(_SURNAMES)
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def _sample_address(rng: random.Random) -> str:
    prefix, districts = rng.choice(_PLACES)
    street = f"{rng.choice(districts)}{rng.choice(_ROADS)}{rng.randint(1, 999)}号"
    if rng.random() < 0.15:  # a house or a shop: no flat
        return prefix + street
    floor, flat = rng.randint(1, 33), rng.randint(1, 6)
    return f"{prefix}{street}{rng.randint(1, 30)}幢{floor}{flat:02d}室"


def generate_sample(path: Path, count: int = 1200, seed: int = 4001) -> int:
    """Writes `count` fake customers to a new SQLite directory at `path`, replacing it atomically.

    户号, phone numbers and (name, address) pairs are unique; the same seed gives the same data.
    Returns the number of customers written.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    rng = random.Random(seed)
    accounts: Set[str] = set()
    phones: Set[str] = set()
    pairs: Set[Tuple[str, str]] = set()
    rows: List[Tuple[str, str, str, str]] = []
    while len(rows) < count:
        account = str(rng.randint(10**9, 10**10 - 1))
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 10**9 - 1):09d}"
        pair = (_sample_name(rng), _sample_address(rng))
        if account in accounts or phone in phones or pair in pairs:
            continue
        accounts.add(account)
        phones.add(phone)
        pairs.add(pair)
        rows.append((account, pair[0], phone, pair[1]))

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary)
        try:
            connection.executescript(
                "CREATE TABLE customers ("
                " account_number TEXT PRIMARY KEY, name TEXT, phone TEXT, address TEXT);"
                "CREATE INDEX customers_name_address ON customers (name, address);"
            )
            connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", rows)
            connection.commit()
        finally:
            connection.close()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(rows)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


async def _show(directory: Directory, account_number: str) -> Customer | None:
    try:
        return await directory.find(account_number)
    finally:
        await directory.close()


def main(argv: Sequence[str] | None = None) -> int:
    """The operators' command line; returns the exit status."""
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m actions.directory_cli", description="The customer directory."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write a sample SQLite directory")
    generate.add_argument("--path", type=Path, default=settings.directory_path)
    generate.add_argument("--count", type=int, default=1200)
    generate.add_argument("--seed", type=int, default=4001)
    show = commands.add_parser("show", help="print the customer holding a 户号")
    show.add_argument("account_number")
    show.add_argument("--path", type=Path, help="read this SQLite file instead of the settings")
    listing = commands.add_parser("list", help="print the first customers of a SQLite directory")
    listing.add_argument("--path", type=Path, default=settings.directory_path)
    listing.add_argument("--limit", type=int, default=5)
    args = parser.parse_args(argv)

    if args.command == "generate":
        written = generate_sample(args.path, count=args.count, seed=args.seed)
        print(f"wrote {written} customers to {_shown(args.path)}")
        return 0
    if args.command == "list":
        if not args.path.exists():
            print(f"{_shown(args.path)} is missing: run `make directory`", file=sys.stderr)
            return 1
        with closing(sqlite3.connect(f"file:{args.path}?mode=ro", uri=True)) as db:
            rows = db.execute(
                f"SELECT {', '.join(FIELDS)} FROM customers ORDER BY rowid LIMIT ?",
                (max(args.limit, 0),),
            ).fetchall()
        for row in rows:
            print("  ".join(row))
        return 0

    number = normalize_account_number(args.account_number)
    if number is None:
        print(f"not a 10-digit 户号: {args.account_number!r}", file=sys.stderr)
        return 2
    directory = SqliteDirectory(args.path) if args.path else open_directory(settings)
    try:
        customer = asyncio.run(_show(directory, number))
    except DirectoryUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    if customer is None:
        print(f"no customer holds 户号 {number}", file=sys.stderr)
        return 1
    for field, value in asdict(customer).items():
        print(f"{field}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
