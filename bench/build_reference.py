"""Builds the benchmark's reference store through crm's real write path.

The store holds two years of a Japanese field-sales rep's work (at scale 1.0): 2,000 companies,
10,000 contacts, 5,000 deals, 2,000 quotes with their lines, 1,000 contracts, 1,000 invoices,
50,000 tasks and 200,000 activities. Every record is made by `Writer.create`, `Writer.update` or
`Writer.event` (a `logged` event for activities) inside `Store.write()`, in batches, so the op
log, the tables, the finding aids and the FTS index are exactly what crm itself would write.

Changes are replayed in the order they would have happened: a task is created a few days before
it is due and marked done on its due date, a deal moves through its stages, an invoice is paid.
While the build runs, the clock that the writer stamps ops with (and that ids embed) is moved to
each change's simulated instant, so records carry believable `created_at`/`updated_at` values
and deals whose customers went quiet show up as stale. The data comes from a fixed seed, so two
builds on the same day hold the same records (ids differ, their random bits coming from the
OS, and instants move with the time of the build).

Usage: .venv/bin/python bench/build_reference.py [--db PATH] [--scale 0.02] [--force]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from crm_tui.domain.dates import utc_iso
from crm_tui.domain.ids import new_id
from crm_tui.domain.phones import parse_phone
from crm_tui.domain.records import (
    Activity,
    Company,
    Contact,
    Contract,
    Deal,
    Invoice,
    Quote,
    QuoteLine,
    Task,
)
from crm_tui.storage.db import open_store
from crm_tui.storage.oplog import next_counter
from crm_tui.storage.writer import Writer

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DB = BENCH_DIR / "data" / "reference.db"
SEED = 20261126
REP = "tanaka"
"""The rep who owns the reference data."""

SEARCH_WORDS = ("retrofit", "calibration")
"""The two words `crm search` is measured with: each is in 1% of activities, rarely together."""
WORD_SHARE = 0.01
"""The share of activities that contain each search word."""
BOTH_SHARE = 0.0001
"""The share of activities that contain both search words (the hits of the measured search)."""

FULL_COUNTS = {
    "companies": 2_000,
    "contacts": 10_000,
    "deals": 5_000,
    "quotes": 2_000,
    "contracts": 1_000,
    "invoices": 1_000,
    "tasks": 50_000,
    "activities": 200_000,
}
HISTORY_DAYS = 730
"""How far back the rep's history goes."""
JST = timezone(timedelta(hours=9), "JST")
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
STAGE_PROBABILITY = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}


def sidecar_path(db: Path) -> Path:
    """Where the build writes what it made (scale, seed, build time, counts) beside the store."""
    return db.with_name(db.name + ".json")


def store_files(db: Path) -> list[Path]:
    """The store file and its WAL and shared-memory companions."""
    return [db, Path(f"{db}-wal"), Path(f"{db}-shm")]


# --- vocabulary ----------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Splits a space-separated list."""
    return text.split()


def _rows(text: str) -> list[tuple[str, ...]]:
    """Splits `a:b:c d:e:f` into [(a, b, c), (d, e, f)]."""
    return [tuple(item.split(":")) for item in text.split()]


FAMILY_NAMES = _rows(
    "佐藤:サトウ:sato 鈴木:スズキ:suzuki 高橋:タカハシ:takahashi 田中:タナカ:tanaka "
    "伊藤:イトウ:ito 渡辺:ワタナベ:watanabe 山本:ヤマモト:yamamoto 中村:ナカムラ:nakamura "
    "小林:コバヤシ:kobayashi 加藤:カトウ:kato 吉田:ヨシダ:yoshida 山田:ヤマダ:yamada "
    "佐々木:ササキ:sasaki 山口:ヤマグチ:yamaguchi 松本:マツモト:matsumoto 井上:イノウエ:inoue "
    "木村:キムラ:kimura 林:ハヤシ:hayashi 斎藤:サイトウ:saito 清水:シミズ:shimizu "
    "山崎:ヤマザキ:yamazaki 森:モリ:mori 池田:イケダ:ikeda 橋本:ハシモト:hashimoto "
    "阿部:アベ:abe 石川:イシカワ:ishikawa 山下:ヤマシタ:yamashita 中島:ナカジマ:nakajima "
    "石井:イシイ:ishii 小川:オガワ:ogawa 前田:マエダ:maeda 岡田:オカダ:okada "
    "長谷川:ハセガワ:hasegawa 藤田:フジタ:fujita 後藤:ゴトウ:goto 近藤:コンドウ:kondo "
    "村上:ムラカミ:murakami 遠藤:エンドウ:endo 青木:アオキ:aoki 坂本:サカモト:sakamoto "
    "西村:ニシムラ:nishimura 福田:フクダ:fukuda 太田:オオタ:ota 三浦:ミウラ:miura "
    "藤井:フジイ:fujii 岡本:オカモト:okamoto 松田:マツダ:matsuda 中川:ナカガワ:nakagawa"
)
GIVEN_NAMES = _rows(
    "太郎:タロウ:taro 一郎:イチロウ:ichiro 健太:ケンタ:kenta 翔太:ショウタ:shota "
    "大輔:ダイスケ:daisuke 拓也:タクヤ:takuya 直樹:ナオキ:naoki 誠:マコト:makoto "
    "浩二:コウジ:koji 隆:タカシ:takashi 和也:カズヤ:kazuya 健一:ケンイチ:kenichi "
    "修:オサム:osamu 学:マナブ:manabu 亮:リョウ:ryo 聡:サトシ:satoshi 剛:ツヨシ:tsuyoshi "
    "花子:ハナコ:hanako 陽子:ヨウコ:yoko 恵:メグミ:megumi 裕子:ユウコ:yuko "
    "真由美:マユミ:mayumi 美咲:ミサキ:misaki 彩:アヤ:aya 由美:ユミ:yumi 智子:トモコ:tomoko "
    "久美子:クミコ:kumiko 麻衣:マイ:mai 愛:アイ:ai 明美:アケミ:akemi 直美:ナオミ:naomi "
    "沙織:サオリ:saori 千尋:チヒロ:chihiro"
)
ENGLISH_GIVEN = _words(
    "Emma James Olivia Michael Sarah David Laura Daniel Sophie Thomas Chloe Ryan"
)
ENGLISH_FAMILY = _words("Clarke Smith Johnson Brown Miller Wilson Taylor Anderson Martin Lee")

COMPANY_STEMS = _rows(
    "東邦:トウホウ:toho 北斗:ホクト:hokuto ミナト:ミナト:minato 大和:ヤマト:yamato "
    "旭:アサヒ:asahi 富士:フジ:fuji 日進:ニッシン:nisshin 三栄:サンエイ:san-ei "
    "中央:チュウオウ:chuo 東洋:トウヨウ:toyo 協和:キョウワ:kyowa 昭和:ショウワ:showa "
    "新光:シンコウ:shinko 光陽:コウヨウ:koyo 太平:タイヘイ:taihei 平和:ヘイワ:heiwa "
    "明和:メイワ:meiwa 信越:シンエツ:shinetsu 関東:カントウ:kanto 九州:キュウシュウ:kyushu "
    "北陸:ホクリク:hokuriku 湘南:ショウナン:shonan 浜松:ハママツ:hamamatsu 神栄:シンエイ:shin-ei "
    "大成:タイセイ:taisei 第一:ダイイチ:daiichi 共栄:キョウエイ:kyoei 山陽:サンヨウ:sanyo "
    "天竜:テンリュウ:tenryu 朝日:アサヒ:asahi 丸和:マルワ:maruwa 菱光:リョウコウ:ryoko "
    "日東:ニットウ:nitto 東亜:トウア:toa 双葉:フタバ:futaba 若葉:ワカバ:wakaba "
    "桜井:サクライ:sakurai 高砂:タカサゴ:takasago 白鳥:シラトリ:shiratori 青葉:アオバ:aoba "
    "千代田:チヨダ:chiyoda 三協:サンキョウ:sankyo 日栄:ニチエイ:nichiei 瑞穂:ミズホ:mizuho "
    "大栄:ダイエイ:daiei 豊和:ホウワ:howa 錦:ニシキ:nishiki 東海:トウカイ:tokai "
    "西日本:ニシニホン:nishinihon 北海:ホッカイ:hokkai 栄光:エイコウ:eiko "
    "サンライズ:サンライズ:sunrise アルファ:アルファ:alpha ニュートン:ニュートン:newton "
    "テクノ:テクノ:techno オリオン:オリオン:orion"
)
COMPANY_SUFFIXES = _rows(
    "精機:セイキ:seiki:manufacturing 電工:デンコウ:denko:electrical "
    "物流:ブツリュウ:butsuryu:logistics 化成:カセイ:kasei:chemicals "
    "工業:コウギョウ:kogyo:manufacturing 製作所:セイサクショ:seisakusho:manufacturing "
    "商事:ショウジ:shoji:trading 建設:ケンセツ:kensetsu:construction "
    "食品:ショクヒン:shokuhin:food 電機:デンキ:denki:electrical "
    "システム:システム:system:it 産業:サンギョウ:sangyo:manufacturing "
    "運輸:ウンユ:unyu:logistics 薬品:ヤクヒン:yakuhin:pharma 印刷:インサツ:insatsu:printing "
    "技研:ギケン:giken:engineering メディカル:メディカル:medical:medical "
    "エンジニアリング:エンジニアリング:engineering:engineering 樹脂:ジュシ:jushi:chemicals "
    "金属:キンゾク:kinzoku:metals"
)
PLACE_PREFIXES = _rows(
    "東京:トウキョウ:tokyo 大阪:オオサカ:osaka 名古屋:ナゴヤ:nagoya 横浜:ヨコハマ:yokohama "
    "神戸:コウベ:kobe 札幌:サッポロ:sapporo 仙台:センダイ:sendai 広島:ヒロシマ:hiroshima "
    "福岡:フクオカ:fukuoka 京都:キョウト:kyoto 新潟:ニイガタ:niigata 岡山:オカヤマ:okayama"
)
ENGLISH_COMPANY_FIRST = _words(
    "Harbor Pacific Summit Northstar Bluewater Evergreen Silverline Crestview Redwood "
    "Brightpath Ironbridge Lakeside"
)
ENGLISH_COMPANY_SECOND = [
    ("Logistics", "logistics"),
    ("Systems", "it"),
    ("Trading", "trading"),
    ("Foods", "food"),
    ("Medical", "medical"),
    ("Robotics", "manufacturing"),
    ("Materials", "chemicals"),
]
# (prefecture, region, landline pattern, weight); `#` stands for a digit.
PREFECTURES = [
    ("東京都", "関東", "03-####-####", 30),
    ("神奈川県", "関東", "045-###-####", 10),
    ("埼玉県", "関東", "048-###-####", 6),
    ("千葉県", "関東", "043-###-####", 5),
    ("大阪府", "関西", "06-####-####", 12),
    ("京都府", "関西", "075-###-####", 4),
    ("兵庫県", "関西", "078-###-####", 5),
    ("愛知県", "中部", "052-###-####", 10),
    ("静岡県", "中部", "054-###-####", 4),
    ("福岡県", "九州", "092-###-####", 5),
    ("北海道", "北海道", "011-###-####", 3),
    ("宮城県", "東北", "022-###-####", 3),
    ("広島県", "中国", "082-###-####", 3),
]
SIZES = ["1-29", "30-99", "100-299", "300-999", "1000+"]
DEPARTMENTS = _words(
    "営業部 購買部 製造部 総務部 技術部 品質保証部 経営企画部 情報システム部 生産管理部 設備保全課"
)
JAPANESE_TITLES = _words("部長 課長 係長 主任 担当 代表取締役 取締役 工場長 マネージャー")
ENGLISH_TITLES = ["Operations Manager", "Purchasing Manager", "CTO", "Engineer", "Plant Manager"]
SOURCES = ["展示会", "紹介", "Webサイト", "飛び込み", "既存顧客", None, None]
LIFECYCLE_ACTIVE = (["customer", "prospect", "lead"], [60, 28, 12])
LIFECYCLE_DORMANT = (["customer", "prospect", "lead", "former"], [35, 20, 15, 30])

# (name, unit price in yen, tax rate)
PRODUCTS = [
    ("検査装置 XR-200", 2_800_000, "10"),
    ("画像センサー VS-10", 85_000, "10"),
    ("制御ユニット CU-5", 320_000, "10"),
    ("搬送コンベア MC-3000", 1_450_000, "10"),
    ("保守パック スタンダード", 240_000, "10"),
    ("設置工事", 150_000, "10"),
    ("操作研修（1日）", 60_000, "10"),
    ("交換部品セット", 18_000, "10"),
    ("ソフトウェアライセンス（年間）", 480_000, "10"),
    ("延長保証 3年", 210_000, "10"),
    ("出張費", 30_000, "10"),
    ("消耗品キット", 9_800, "10"),
    ("研修用お弁当", 1_200, "8"),
]
DEAL_PRODUCTS = [*PRODUCTS[:5], PRODUCTS[8]]
DEAL_KINDS = ["導入", "増設", "更新", "リプレース", "追加"]
LOST_REASONS = ["価格", "競合他社に決定", "予算凍結", "時期尚早", "仕様が合わない"]
CONTRACT_PRODUCTS = [
    ("保守契約 スタンダード", 360_000),
    ("保守契約 プレミアム", 960_000),
    ("ソフトウェアライセンス（年間）", 480_000),
    ("定期点検サービス", 240_000),
    ("リモート監視サービス", 600_000),
]

ACTIVITY_TYPES = (["visit", "call", "email", "meeting", "note"], [35, 25, 20, 10, 10])
SUMMARIES = {
    "visit": [
        "定例訪問",
        "{product}のデモを実施",
        "新製品のご紹介",
        "工場見学の対応",
        "{product}の導入打ち合わせ",
        "来期予算のヒアリング",
        "納品立ち会い",
        "保守点検のご報告",
        "見積内容のご説明",
        "不具合対応で訪問",
        "ご挨拶（担当交代）",
    ],
    "call": [
        "{product}の納期確認",
        "見積のフォロー",
        "訪問アポイントの調整",
        "不具合の問い合わせ対応",
        "価格改定のご連絡",
        "請求書の件で連絡",
        "Follow-up call about {product}",
    ],
    "email": [
        "見積書を送付",
        "カタログを送付",
        "{product}の仕様書を送付",
        "訪問のお礼",
        "訪問日程のご連絡",
        "資料請求への回答",
        "Sent the {product} datasheet",
    ],
    "meeting": [
        "{product}の仕様打ち合わせ",
        "四半期レビュー",
        "契約更新の打ち合わせ",
        "技術部門との打ち合わせ",
        "オンライン商談",
    ],
    "note": [
        "担当者変更の連絡あり",
        "競合の動向メモ",
        "予算は来期に持ち越し",
        "決裁者は{title}",
        "展示会で名刺交換",
        "社内稟議の状況メモ",
    ],
}
BODY_SENTENCES = [
    "先方は前向きに検討中。",
    "来月中に社内稟議を上げるとのこと。",
    "価格面で競合と比較されている。",
    "納期は{n}週間程度を希望。",
    "デモ機の貸し出しを依頼された。",
    "次回は技術担当も同席予定。",
    "予算感は{n}00万円程度。",
    "現行機の老朽化が課題。",
    "導入後のサポート体制について質問あり。",
    "見積の有効期限の延長を希望。",
    "決裁は{title}。",
    "年度末までに導入したい意向。",
    "他部署への展開も検討しているとのこと。",
    "前回の不具合は解消済みと確認。",
    "担当者が{n}月に異動予定。",
    "Asked for a revised quote.",
    "Pilot scope agreed in principle.",
    "Will confirm the budget next week.",
]
WORD_SENTENCES = [
    "{w}の件で相談あり。",
    "{w}について見積を依頼された。",
    "{w}の実施時期を確認。",
    "既設ラインの{w}を検討中。",
    "Asked about {w} options.",
]
OUTCOMES = ["次回訪問のアポ取得", "見積依頼あり", "検討継続", "資料送付で合意", "Next step agreed"]
VISIT_PLACES = ["本社", "工場", "営業所", "研究所", "物流センター"]
TASK_TITLES = [
    "見積書の送付",
    "{product}の資料送付",
    "訪問日程の調整",
    "請求書の発行確認",
    "デモ機の手配",
    "フォローアップの電話",
    "契約書の返送確認",
    "稟議の進捗確認",
    "サンプル発送",
    "打ち合わせ議事録の送付",
    "納期回答",
    "Send the brochure",
    "Prepare the pilot proposal",
]
PERSONAL_TASKS = ["経費精算", "週報の提出", "展示会の準備", "営業会議の資料作成", "名刺の整理"]
PRIORITIES = (["normal", "high", "low", "urgent"], [70, 20, 8, 2])


# --- the simulated clock ------------------------------------------------------------------------


class SimulatedTime:
    """Stands in for the `time` module of the store, the writer and ids: `time_ns` is settable."""

    def __init__(self) -> None:
        self.ns = time.time_ns()

    def time_ns(self) -> int:
        """The simulated instant, in nanoseconds since the epoch."""
        return self.ns

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextmanager
def simulated_clock(clock: SimulatedTime) -> Iterator[bool]:
    """Makes the writer's op stamps and new ids read `clock`; yields False if it cannot."""
    import crm_tui.domain.ids as ids_module
    import crm_tui.storage.db as store_module
    import crm_tui.storage.writer as writer_module

    # The store hands its writers its own clock (`Store.now_ms`), so its module reads it too.
    modules = (writer_module, ids_module, store_module)
    if not all(getattr(module, "time", None) is time for module in modules):
        yield False
        return
    for module in modules:
        module.__dict__["time"] = clock
    try:
        yield True
    finally:
        for module in modules:
            module.__dict__["time"] = time


# --- the plan: every change with the instant it happens at -------------------------------------

Action = Callable[[Writer], None]


@dataclass
class CompanyPlan:
    """A company, how active it is, and its contacts."""

    fields: dict[str, Any]
    domain: str
    prefecture: str
    active: bool
    last_touch: datetime
    weight: float
    contacts: list[int] = field(default_factory=list)


@dataclass
class ContactPlan:
    """A contact and how much the rep deals with them."""

    company: int
    fields: dict[str, Any]
    weight: float
    created: datetime


@dataclass
class DealPlan:
    """A deal, the stages it goes through and when."""

    company: int
    contact: int
    product: tuple[str, int, str]
    title: str
    created: datetime
    end: datetime
    stages: list[tuple[datetime, str]]
    closed_on: date | None
    amount: int


@dataclass
class ActivityPlan:
    """An activity to log: when, with whom, about which deal."""

    at: datetime
    contact: int
    deal: int | None
    words: list[str] = field(default_factory=list)


class Builder:
    """Plans the reference data from a seed, then replays it through the write path."""

    def __init__(self, scale: float, seed: int, now: datetime, today: date) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.today = today
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.counts = {name: max(1, round(n * scale)) for name, n in FULL_COUNTS.items()}
        self.counts["contacts"] = max(self.counts["contacts"], self.counts["companies"])
        self.jobs: list[tuple[int, int, Action]] = []
        self.companies: list[CompanyPlan] = []
        self.contacts: list[ContactPlan] = []
        self.deals: list[DealPlan] = []
        self.company_ids: list[str] = []
        self.contact_ids: list[str] = []
        self.deal_ids: list[str] = []
        self.contracts: list[tuple[int, list[str], date, int]] = []
        self.contact_cum_weights: list[float] = []
        self.word_counts = dict.fromkeys(SEARCH_WORDS, 0)
        self.both_words = 0
        self._phones: set[str] = set()
        self._emails: set[str] = set()

    # helpers

    def add(self, at: datetime, action: Action) -> None:
        """Schedules a change at a simulated instant (never later than now)."""
        ms = int(min(at, self.now - timedelta(seconds=1)).timestamp() * 1000)
        self.jobs.append((ms, len(self.jobs), action))

    def between(self, lo: datetime, hi: datetime) -> datetime:
        """A uniformly random instant between two instants."""
        if hi <= lo:
            return lo
        return lo + (hi - lo) * self.rng.random()

    def working_time(self, lo: datetime, hi: datetime) -> datetime:
        """An instant in Japanese working hours (weekdays 9:00-18:55 JST) between lo and hi."""
        if hi <= lo:
            return lo
        local = self.between(lo, hi).astimezone(JST)
        if local.weekday() >= 5:
            local -= timedelta(days=local.weekday() - 4)
        local = local.replace(
            hour=self.rng.randint(9, 18), minute=self.rng.randrange(0, 60, 5), second=0
        )
        return min(max(local.astimezone(UTC), lo), hi)

    def on_day(self, day: date, hour: int = 10) -> datetime:
        """An instant on a local (JST) day, as UTC."""
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), tzinfo=JST)
        return local.astimezone(UTC)

    def phone(self, pattern: str) -> dict[str, Any]:
        """A new, valid, unique phone number of a `#` pattern, parsed as crm does."""
        while True:
            digits = "".join(str(self.rng.randint(0, 9)) for _ in range(pattern.count("#")))
            text = pattern
            for i, digit in enumerate(digits):
                # The subscriber number starts with 2-9, as real ones do.
                text = text.replace("#", str(max(2, int(digit))) if i == 0 else digit, 1)
            phone = parse_phone(text, "JP")
            if phone["valid"] and phone["number"] not in self._phones:
                self._phones.add(phone["number"])
                return phone

    def email(self, local: str, domain: str) -> str:
        """A lower-case email address not used yet."""
        candidate, n = f"{local}@{domain}", 1
        while candidate in self._emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self._emails.add(candidate)
        return candidate

    def pick_contact(self, company: int) -> int:
        """One of a company's contacts, the ones the rep deals with most more often."""
        people = self.companies[company].contacts
        return self.rng.choices(people, [self.contacts[p].weight for p in people])[0]

    # planning

    def plan(self) -> None:
        """Plans every change of the reference store."""
        self.plan_companies()
        self.contact_cum_weights = self.cumulative(
            c.weight * self.companies[c.company].weight for c in self.contacts
        )
        self.plan_deals()
        self.plan_quotes()
        self.plan_contracts()
        self.plan_invoices()
        self.plan_tasks()
        self.plan_activities()
        self.jobs.sort(key=lambda job: (job[0], job[1]))

    def company_name(self, used: set[str]) -> tuple[str, str, str, str]:
        """A new company's name, reading, domain and industry."""
        rng = self.rng
        for attempt in itertools.count():
            if rng.random() < 0.06:
                first = rng.choice(ENGLISH_COMPANY_FIRST)
                second, industry = rng.choice(ENGLISH_COMPANY_SECOND)
                core, name, reading = f"{first} {second}", f"{first} {second} K.K.", ""
                slug = f"{first}-{second}".lower()
            else:
                stem, stem_kana, stem_roman = rng.choice(COMPANY_STEMS)
                suffix, suffix_kana, suffix_roman, industry = rng.choice(COMPANY_SUFFIXES)
                core, reading, slug = stem + suffix, stem_kana + suffix_kana, stem_roman
                if rng.random() < 0.5:
                    place, place_kana, place_roman = rng.choice(PLACE_PREFIXES)
                    core, reading = place + core, place_kana + reading
                    slug = f"{place_roman}-{slug}"
                slug = f"{slug}-{suffix_roman}"
                form = rng.random()
                if form < 0.7:
                    name = f"株式会社{core}"
                elif form < 0.95:
                    name = f"{core}株式会社"
                else:
                    name = f"有限会社{core}"
            if attempt > 50:
                # Only at scales far above 1.0 does the name space run short.
                core, name, slug = f"{core}{attempt}", f"{name}{attempt}", f"{slug}{attempt}"
            if core not in used:
                used.add(core)
                return name, reading, slug, industry
        raise AssertionError("unreachable")

    def plan_companies(self) -> None:
        """Companies and their contacts, all made in the two months before the history starts."""
        rng = self.rng
        n_companies, n_contacts = self.counts["companies"], self.counts["contacts"]
        extra = rng.choices(
            range(n_companies),
            [rng.lognormvariate(0, 0.8) for _ in range(n_companies)],
            k=n_contacts - n_companies,
        )
        per_company = [1] * n_companies
        for index in extra:
            per_company[index] += 1
        used: set[str] = set()
        moment = self.start - timedelta(days=60)
        step = timedelta(days=59) / (n_companies + n_contacts)
        for index in range(n_companies):
            name, reading, slug, industry = self.company_name(used)
            prefecture, region, landline, _ = rng.choices(PREFECTURES, [p[3] for p in PREFECTURES])[
                0
            ]
            active = rng.random() < 0.7
            last_touch = (
                self.now
                if active
                else self.between(self.start + timedelta(days=90), self.now - timedelta(days=40))
            )
            domain = f"{slug}.example.jp"
            size = rng.choice(SIZES)
            revenue = round(rng.lognormvariate(21, 1.2), -6)
            fields: dict[str, Any] = {
                "name": name,
                "reading": reading or None,
                "industry": industry,
                "size": size,
                "annual_revenue": int(revenue),
                "revenue_currency": "JPY",
                "region": region,
                "prefecture": prefecture,
                "website": f"https://www.{domain}/",
                "phone": self.phone(landline),
                "tags": ["key-account"] if rng.random() < 0.05 else [],
                "note": "代理店経由の取引" if rng.random() < 0.05 else None,
            }
            company = CompanyPlan(
                fields, domain, prefecture, active, last_touch, rng.lognormvariate(0, 0.9)
            )
            self.companies.append(company)
            self.company_ids.append("")
            moment += step
            self.add(moment, self._create_company(index))
            for _ in range(per_company[index]):
                moment += step
                self.plan_contact(index, moment)

    def _create_company(self, index: int) -> Action:
        def run(w: Writer) -> None:
            self.company_ids[index] = w.create(Company, self.companies[index].fields).id

        return run

    def plan_contact(self, company_index: int, created: datetime) -> None:
        """One contact of a company."""
        rng = self.rng
        company = self.companies[company_index]
        fields: dict[str, Any]
        if rng.random() < 0.06:
            given, family = rng.choice(ENGLISH_GIVEN), rng.choice(ENGLISH_FAMILY)
            fields = {
                "display_name": f"{given} {family}",
                "family_name": family,
                "given_name": given,
                "title": rng.choice(ENGLISH_TITLES),
            }
            local = f"{given}.{family}".lower()
        else:
            family_kanji, family_kana, family_roman = rng.choice(FAMILY_NAMES)
            given_kanji, given_kana, given_roman = rng.choice(GIVEN_NAMES)
            fields = {
                "display_name": f"{family_kanji} {given_kanji}",
                "family_name": family_kanji,
                "given_name": given_kanji,
                "family_reading": family_kana,
                "given_reading": given_kana,
                "department": rng.choice(DEPARTMENTS),
                "title": rng.choice(JAPANESE_TITLES),
            }
            local = (
                f"{given_roman[0]}.{family_roman}"
                if rng.random() < 0.5
                else f"{family_roman}.{given_roman}"
            )
        stages, weights = LIFECYCLE_ACTIVE if company.active else LIFECYCLE_DORMANT
        phones = [self.phone(rng.choice(["090", "080", "070"]) + "-####-####")]
        fields |= {
            "emails": [self.email(local, company.domain)],
            "phones": phones if rng.random() < 0.75 else [],
            "lifecycle": rng.choices(stages, weights)[0],
            "source": rng.choice(SOURCES),
            "consent": rng.random() < 0.6,
            "tags": ["decision-maker"] if rng.random() < 0.1 else [],
        }
        index = len(self.contacts)
        self.contacts.append(
            ContactPlan(company_index, fields, rng.lognormvariate(0, 0.6), created)
        )
        self.contact_ids.append("")
        company.contacts.append(index)

        def run(w: Writer) -> None:
            fields["company_id"] = self.company_ids[company_index]
            self.contact_ids[index] = w.create(Contact, fields).id

        self.add(created, run)

    def plan_deals(self) -> None:
        """Deals: mostly closed (won or lost), some open; open ones at quiet customers go stale."""
        rng = self.rng
        everyone = list(range(len(self.companies)))
        active = [i for i in everyone if self.companies[i].active]
        dormant = [i for i in everyone if not self.companies[i].active]
        pools = [
            (pool, self.cumulative(self.companies[i].weight for i in pool))
            for pool in (everyone, active, dormant)
        ]
        for _ in range(self.counts["deals"]):
            is_open = rng.random() < 0.16
            pool, cum = pools[0]
            if is_open and active and (rng.random() < 0.85 or not dormant):
                pool, cum = pools[1]
            elif is_open and dormant:
                pool, cum = pools[2]
            company = rng.choices(pool, cum_weights=cum)[0]
            touch = self.companies[company].last_touch
            product = rng.choice(DEAL_PRODUCTS)
            units = rng.choice([1, 1, 1, 2, 2, 3, 5])
            title = f"{product[0]} ×{units} {rng.choice(DEAL_KINDS)}"
            amount = int(round(product[1] * units * rng.uniform(0.8, 1.3), -3))
            stages: list[tuple[datetime, str]]
            if is_open:
                target = rng.choices(range(4), [25, 25, 30, 20])[0]
                created = max(self.start, touch - timedelta(days=rng.uniform(3, 150)))
                end = touch
                first = min(target, rng.randint(0, 1))
                path = list(OPEN_STAGES[first : target + 1])
                closed_on = None
            else:
                latest = min(touch, self.now) - timedelta(days=45)
                created = self.between(self.start, max(self.start, latest))
                end = min(created + timedelta(days=rng.uniform(14, 150)), latest)
                end = max(end, created + timedelta(days=1))
                won = rng.random() < 0.55
                last = 3 if won else rng.randint(0, 3)
                first = min(last, rng.randint(0, 1))
                path = [*OPEN_STAGES[first : last + 1], "won" if won else "lost"]
                closed_on = end.astimezone(JST).date()
            span = (end - created) / len(path)
            stages = [(created + span * i, stage) for i, stage in enumerate(path)]
            self.deals.append(
                DealPlan(
                    company,
                    self.pick_contact(company),
                    product,
                    title,
                    created,
                    end,
                    stages,
                    closed_on,
                    amount,
                )
            )
            self.deal_ids.append("")
        for index in range(len(self.deals)):
            self.schedule_deal(index)

    def schedule_deal(self, index: int) -> None:
        """Schedules a deal's creation and each move to a later stage."""
        deal = self.deals[index]
        rng = self.rng
        created_stage = deal.stages[0][1]
        expected_close = deal.created.astimezone(JST).date() + timedelta(rng.randint(30, 150))
        fields: dict[str, Any] = {
            "title": deal.title,
            "stage": created_stage,
            "amount": deal.amount,
            "currency": "JPY",
            "probability": STAGE_PROBABILITY[created_stage],
            "expected_close": expected_close.isoformat(),
            "note": "競合あり" if rng.random() < 0.2 else None,
        }

        def create(w: Writer) -> None:
            fields["company_id"] = self.company_ids[deal.company]
            fields["contact_id"] = self.contact_ids[deal.contact]
            self.deal_ids[index] = w.create(Deal, fields).id

        self.add(deal.created, create)
        for at, stage in deal.stages[1:]:
            changes: dict[str, Any] = {"stage": stage}
            if stage in STAGE_PROBABILITY:
                changes["probability"] = STAGE_PROBABILITY[stage]
            else:
                changes["closed_on"] = deal.closed_on.isoformat() if deal.closed_on else None
                changes["probability"] = 100 if stage == "won" else 0
                if stage == "lost":
                    changes["lost_reason"] = rng.choice(LOST_REASONS)
            self.add(at, self._update(Deal, self.deal_ids, index, changes))

    def _update(
        self, cls: type[Any], ids: list[str], index: int, changes: dict[str, Any]
    ) -> Action:
        def run(w: Writer) -> None:
            w.update(cls, ids[index], changes)

        return run

    def plan_quotes(self) -> None:
        """Quotes for deals that reached the proposal stage: drafted, sent, then decided."""
        rng = self.rng
        candidates = [
            i for i, d in enumerate(self.deals) if any(s == "proposal" for _, s in d.stages)
        ]
        open_first = sorted(candidates, key=lambda i: self.deals[i].closed_on is not None)
        n_open = sum(1 for i in candidates if self.deals[i].closed_on is None)
        wanted = self.counts["quotes"]
        chosen = open_first[: min(n_open, wanted)]
        rest = open_first[len(chosen) :]
        chosen += rng.sample(rest, min(len(rest), wanted - len(chosen)))
        while len(chosen) < wanted and candidates:
            chosen.append(rng.choice(candidates))
        for deal_index in chosen:
            self.plan_quote(deal_index)

    def plan_quote(self, deal_index: int) -> None:
        """One quote with one to five lines, and its later status changes."""
        rng = self.rng
        deal = self.deals[deal_index]
        proposal_at = next(at for at, s in deal.stages if s == "proposal")
        drafted = proposal_at + timedelta(hours=rng.uniform(0, 48))
        valid_until = (drafted.astimezone(JST).date() + timedelta(days=30)).isoformat()
        lines = [(deal.product, rng.choice([1, 1, 2, 3]))]
        for product in rng.sample(PRODUCTS, rng.randint(0, 4)):
            if product != deal.product:
                lines.append((product, rng.randint(1, 10)))
        final = deal.stages[-1][1]
        changes: list[tuple[datetime, str]] = []
        if final in ("won", "lost"):
            changes = [(drafted + timedelta(hours=2), "sent")]
            decided = max(deal.end, drafted + timedelta(hours=3))
            changes.append((decided, "accepted" if final == "won" else "rejected"))
        elif not (drafted > self.now - timedelta(days=3) and rng.random() < 0.3):
            changes = [(drafted + timedelta(hours=2), "sent")]
            expiry = date.fromisoformat(valid_until)
            if expiry < self.today - timedelta(days=14) and rng.random() < 0.95:
                changes.append((self.on_day(expiry + timedelta(days=1)), "expired"))
        holder = [""]

        def create(w: Writer) -> None:
            seq = next_counter(w.conn, "quote")
            number = f"Q-{drafted.astimezone(JST).year}-{w.site_id[-5:]}-{seq:03d}"
            quote = w.create(
                Quote,
                {
                    "number": number,
                    "title": deal.title,
                    "status": "draft",
                    "currency": "JPY",
                    "valid_until": valid_until,
                    "contact_id": self.contact_ids[deal.contact],
                    "company_id": self.company_ids[deal.company],
                    "deal_id": self.deal_ids[deal_index],
                },
            )
            holder[0] = quote.id
            for position, ((name, price, tax), quantity) in enumerate(lines, start=1):
                w.create(
                    QuoteLine,
                    {
                        "quote_id": quote.id,
                        "position": position,
                        "description": name,
                        "quantity": str(quantity),
                        "unit_price": price,
                        "tax_rate": tax,
                    },
                )

        self.add(drafted, create)
        for at, status in changes:
            self.add(at, self._update(Quote, holder, 0, {"status": status}))

    def plan_contracts(self) -> None:
        """Contracts renewing over the next two years; some were renewed once already."""
        rng = self.rng
        customers = [i for i, c in enumerate(self.companies) if c.active] or list(
            range(len(self.companies))
        )
        cum = self.cumulative(self.companies[i].weight for i in customers)
        for _ in range(self.counts["contracts"]):
            company = rng.choices(customers, cum_weights=cum)[0]
            product, yearly = rng.choice(CONTRACT_PRODUCTS)
            renewal = self.today + timedelta(days=rng.randint(-30, 700))
            end = renewal + timedelta(days=rng.choice([0, 30, 30, 60, 90]))
            years = max(rng.choice([1, 1, 1, 2, 3]), math.ceil((end - self.today).days / 365))
            start = end - timedelta(days=365 * years - 1)
            value = int(round(yearly * rng.uniform(0.8, 1.5), -3))
            auto_renew = rng.random() < 0.4
            renewed_before = years == 1 and start - timedelta(
                days=365
            ) > self.start.date() + timedelta(60)
            first_start = start - timedelta(days=365) if renewed_before else start
            first_end = start - timedelta(days=1) if renewed_before else end
            lead = end - renewal
            contact = self.pick_contact(company)
            holder = [""]
            fields: dict[str, Any] = {
                "product": product,
                "start_on": first_start.isoformat(),
                "end_on": first_end.isoformat(),
                "renewal_on": (first_end - lead).isoformat(),
                "value": value,
                "currency": "JPY",
                "auto_renew": auto_renew,
                "note": None,
            }
            made = max(
                self.on_day(first_start - timedelta(days=rng.randint(3, 20))),
                self.start + timedelta(hours=1),
            )
            self.add(made, self._create_linked(Contract, holder, fields, contact))
            if renewed_before:
                renewed_on = first_end - timedelta(days=rng.randint(5, 25))
                payload = {
                    "renewed_on": renewed_on.isoformat(),
                    "previous_end": first_end.isoformat(),
                    "end_on": end.isoformat(),
                    "renewal_on": renewal.isoformat(),
                    "value": value,
                }

                def renew(
                    w: Writer, holder: list[str] = holder, payload: dict[str, Any] = payload
                ) -> None:
                    w.event(Contract, holder[0], "renewed", payload)
                    w.update(
                        Contract,
                        holder[0],
                        {"end_on": payload["end_on"], "renewal_on": payload["renewal_on"]},
                    )

                self.add(self.on_day(renewed_on), renew)
            self.contracts.append((contact, holder, start, value))

    def _create_linked(
        self, cls: type[Any], holder: list[str], fields: dict[str, Any], contact: int
    ) -> Action:
        """Creates a record linked to a contact and the contact's company."""

        def run(w: Writer) -> None:
            company = self.contacts[contact].company
            values = fields | {
                "contact_id": self.contact_ids[contact],
                "company_id": self.company_ids[company],
            }
            holder[0] = w.create(cls, values).id

        return run

    def plan_invoices(self) -> None:
        """Invoices for contracts and won deals; nearly all paid, a few overdue."""
        rng = self.rng
        won = [i for i, d in enumerate(self.deals) if d.stages[-1][1] == "won"]
        history_start = self.start.date() + timedelta(days=30)
        for seq in range(1, self.counts["invoices"] + 1):
            contract = None
            if self.contracts and (rng.random() < 0.6 or not won):
                contact, holder, start, value = rng.choice(self.contracts)
                lo = min(max(start, history_start), self.today)
                issued = lo + timedelta(days=rng.randint(0, max(0, (self.today - lo).days)))
                amount = int(value * 1.1)
                contract = holder
            elif won:
                deal = self.deals[rng.choice(won)]
                contact = deal.contact
                assert deal.closed_on is not None
                issued = min(deal.closed_on + timedelta(days=rng.randint(7, 30)), self.today)
                amount = int(deal.amount * 1.1)
            else:
                break
            due = _end_of_next_month(issued)
            paid: date | None = None
            if due < self.today:
                if rng.random() < 0.98:
                    paid = max(issued, due - timedelta(days=rng.randint(0, 15)))
            elif rng.random() < 0.2:
                paid = issued + timedelta(days=rng.randint(0, (self.today - issued).days))
            holder = [""]
            fields: dict[str, Any] = {
                "number": f"INV-{issued:%Y%m}-{seq:04d}",
                "amount": amount,
                "currency": "JPY",
                "issued_on": issued.isoformat(),
                "due_on": due.isoformat(),
            }

            def create(
                w: Writer,
                fields: dict[str, Any] = fields,
                contract: list[str] | None = contract,
                contact: int = contact,
                holder: list[str] = holder,
            ) -> None:
                values = fields | {
                    "contact_id": self.contact_ids[contact],
                    "company_id": self.company_ids[self.contacts[contact].company],
                    "contract_id": contract[0] if contract else None,
                }
                holder[0] = w.create(Invoice, values).id

            made = max(self.on_day(issued, 11), self.start + timedelta(hours=2))
            self.add(made, create)
            if paid is not None:
                paid_at = max(self.on_day(paid, 15), made + timedelta(minutes=5))
                self.add(paid_at, self._update(Invoice, holder, 0, {"paid_on": paid.isoformat()}))

    def plan_tasks(self) -> None:
        """Tasks due from two years ago to three months ahead; old ones are done."""
        rng = self.rng
        total = self.counts["tasks"]
        deal_tasks = min(total, len(self.deals) * 2)
        everyone = range(len(self.contacts))
        for n in range(total):
            deal_index: int | None = None
            if n < deal_tasks:
                deal_index = n % len(self.deals)
                deal = self.deals[deal_index]
                contact: int | None = deal.contact
                created = self.working_time(deal.created + timedelta(hours=1), deal.end)
                title = rng.choice(TASK_TITLES).format(product=deal.product[0])
            elif rng.random() < 0.05:
                contact = None
                created = self.working_time(self.start, self.now)
                title = rng.choice(PERSONAL_TASKS)
            else:
                contact = rng.choices(everyone, cum_weights=self.contact_cum_weights)[0]
                touch = self.companies[self.contacts[contact].company].last_touch
                created = self.working_time(self.start, touch)
                title = rng.choice(TASK_TITLES).format(product=rng.choice(PRODUCTS)[0])
            lead = min(int(rng.expovariate(1 / 7)), 90)
            due = created.astimezone(JST).date() + timedelta(days=lead)
            self.plan_task(title, created, due, contact, deal_index)

    @staticmethod
    def cumulative(weights: Iterable[float]) -> list[float]:
        """Cumulative weights, so that each weighted choice costs a bisection, not a sum."""
        return list(itertools.accumulate(weights))

    def plan_task(
        self, title: str, created: datetime, due: date, contact: int | None, deal: int | None
    ) -> None:
        """One task, and its completion (or cancellation) when that happened."""
        rng = self.rng
        late = (self.today - due).days
        if late > 3:
            outcome = rng.choices(["done", "cancelled", "open"], [97.5, 2.2, 0.3])[0]
        elif late > 0:
            outcome = "done" if rng.random() < 0.6 else "open"
        else:
            outcome = "done" if rng.random() < 0.05 else "open"
        fields: dict[str, Any] = {
            "title": title,
            "due": due.isoformat(),
            "priority": rng.choices(*PRIORITIES)[0],
            "note": "先方の都合で日程未定" if rng.random() < 0.03 else None,
        }
        holder = [""]

        def create(w: Writer) -> None:
            values = dict(fields)
            if contact is not None:
                values["contact_id"] = self.contact_ids[contact]
                values["company_id"] = self.company_ids[self.contacts[contact].company]
            if deal is not None:
                values["deal_id"] = self.deal_ids[deal]
            holder[0] = w.create(Task, values).id

        self.add(created, create)
        if outcome == "open":
            return
        if late > 0:
            finished = self.on_day(due, rng.randint(9, 19))
        else:
            finished = self.between(created, self.now)
        finished = max(finished, created + timedelta(minutes=1))
        changes: dict[str, Any] = {"status": outcome}
        if outcome == "done":
            changes["done_at"] = utc_iso(min(finished, self.now - timedelta(seconds=2)))
        self.add(finished, self._update(Task, holder, 0, changes))

    def plan_activities(self) -> None:
        """Activities: some about deals, one recent per active customer, the rest spread out."""
        rng = self.rng
        total = self.counts["activities"]
        plans: list[ActivityPlan] = []
        for index, deal in enumerate(self.deals):
            n = rng.randint(2, 6)
            recent = self.companies[deal.company].active and deal.closed_on is None
            for k in range(n):
                if recent and k == 0:
                    lo = max(deal.created, self.now - timedelta(days=20))
                    at = self.working_time(lo, self.now)
                else:
                    at = self.working_time(deal.created, deal.end)
                plans.append(ActivityPlan(at, deal.contact, index))
        for company_index, company in enumerate(self.companies):
            if company.active:
                contact = self.pick_contact(company_index)
                lo = max(self.contacts[contact].created, self.now - timedelta(days=14))
                plans.append(ActivityPlan(self.working_time(lo, self.now), contact, None))
        rng.shuffle(plans)
        plans = plans[:total]
        general = total - len(plans)
        everyone = range(len(self.contacts))
        chosen = rng.choices(everyone, cum_weights=self.contact_cum_weights, k=general)
        for contact in chosen:
            company = self.companies[self.contacts[contact].company]
            at = self.working_time(self.start, company.last_touch)
            plans.append(ActivityPlan(at, contact, None))
        rng.shuffle(plans)
        both = max(1, round(total * BOTH_SHARE))
        each = max(both, round(total * WORD_SHARE))
        order = rng.sample(range(total), min(total, both + 2 * (each - both)))
        first, second = SEARCH_WORDS
        for i in order[:both]:
            plans[i].words = [first, second]
        for i in order[both:each]:
            plans[i].words = [first]
        for i in order[each : each + each - both]:
            plans[i].words = [second]
        for plan in plans:
            self.schedule_activity(plan)

    def schedule_activity(self, plan: ActivityPlan) -> None:
        """Writes the texts of one activity and schedules its `logged` event."""
        rng = self.rng
        kind = rng.choices(*ACTIVITY_TYPES)[0]
        contact = self.contacts[plan.contact]
        company = self.companies[contact.company]
        product = (
            self.deals[plan.deal].product[0] if plan.deal is not None else rng.choice(PRODUCTS)[0]
        )
        title = contact.fields.get("title") or "部長"
        summary = rng.choice(SUMMARIES[kind]).format(product=product, title=title)
        sentences = [
            rng.choice(BODY_SENTENCES).format(n=rng.randint(2, 12), title=title)
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))
        ]
        for word in plan.words:
            if rng.random() < 0.3:
                summary = f"{summary}：{word}の件"
            else:
                sentences.append(rng.choice(WORD_SENTENCES).format(w=word))
            self.word_counts[word] += 1
        if len(plan.words) == 2:
            self.both_words += 1
        inbound = kind in ("call", "email") and rng.random() < 0.3
        fields: dict[str, Any] = {
            "type": kind,
            "direction": "inbound" if inbound else "outbound",
            "at": utc_iso(plan.at),
            "summary": summary,
            "body": "".join(sentences) or None,
            "location": f"{company.prefecture}・{rng.choice(VISIT_PLACES)}"
            if kind == "visit" and rng.random() < 0.6
            else None,
            "outcome": rng.choice(OUTCOMES)
            if kind in ("visit", "meeting") and rng.random() < 0.5
            else None,
            "owner": REP,
        }
        deal = plan.deal
        contact_index = plan.contact

        def log(w: Writer) -> None:
            fields["contact_id"] = self.contact_ids[contact_index]
            fields["company_id"] = self.company_ids[self.contacts[contact_index].company]
            if deal is not None:
                fields["deal_id"] = self.deal_ids[deal]
            w.event(Activity, new_id(), "logged", {"fields": fields}, first=True)

        # Logged a little after it happened.
        self.add(plan.at + timedelta(minutes=rng.randint(5, 180)), log)


def _end_of_next_month(day: date) -> date:
    """The last day of the month after `day` (月末締め翌月末払い)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


# --- running the plan ---------------------------------------------------------------------------


def replay(builder: Builder, db: Path, batch: int) -> bool:
    """Applies the planned changes in batches of `batch` per write transaction."""
    store = open_store(db, REP, create_parent=True)
    clock = SimulatedTime()
    jobs = builder.jobs
    total = len(jobs)
    started = time.perf_counter()
    last_report = started
    try:
        with simulated_clock(clock) as simulated:
            if not simulated:
                print("warning: cannot move the writer's clock; records get today's stamps")
            for first in range(0, total, batch):
                with store.write() as w:
                    for ms, _, action in jobs[first : first + batch]:
                        clock.ns = ms * 1_000_000
                        action(w)
                done = min(total, first + batch)
                now = time.perf_counter()
                if now - last_report >= 5 or done == total:
                    last_report = now
                    elapsed = now - started
                    rate = done / elapsed if elapsed else 0.0
                    left = (total - done) / rate if rate else 0.0
                    print(
                        f"  {done:>9,}/{total:,} changes  {done / total:6.1%}  "
                        f"{elapsed:6.0f} s  ({rate:,.0f}/s, about {left:.0f} s left)",
                        flush=True,
                    )
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if simulated and jobs:
            _check_stamps(store.conn, jobs[-1][0])
    finally:
        store.close()
    return simulated


def _check_stamps(conn: sqlite3.Connection, last_ms: int) -> None:
    """Fails the build when records carry the build's time instead of their simulated instants
    (a change in how crm reads its clock would otherwise go unnoticed, as it once did)."""
    oldest = conn.execute("SELECT min(created_at) FROM activities").fetchone()[0]
    # Two years of work: the oldest visit is far older than a year before the last change.
    year_before = datetime.fromtimestamp(last_ms / 1000, UTC) - timedelta(days=365)
    if oldest is not None and oldest > year_before.strftime("%Y-%m-%dT%H:%M:%S.000Z"):
        raise SystemExit(
            f"the simulated clock was not used: the oldest activity was made at {oldest}, "
            f"not before {year_before.date()}; see simulated_clock()"
        )


TABLES = (
    "companies",
    "contacts",
    "deals",
    "quotes",
    "quote_lines",
    "contracts",
    "contract_renewals",
    "invoices",
    "tasks",
    "activities",
    "ops",
)


def table_counts(db: Path) -> dict[str, int]:
    """Rows per table of a store."""
    conn = sqlite3.connect(db)
    try:
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    finally:
        conn.close()


def data_facts(db: Path, today: date, now: datetime) -> dict[str, int]:
    """Figures that show the data is shaped as intended (open tasks, stale deals, hits...)."""
    from crm_tui.config import Config
    from crm_tui.services.agenda import next_actions
    from crm_tui.services.session import Session

    store = open_store(db, REP)
    try:
        conn = store.conn
        facts = {
            "open_tasks": conn.execute("SELECT count(*) FROM tasks WHERE status = 'open'"),
            "overdue_tasks": conn.execute(
                "SELECT count(*) FROM tasks WHERE status = 'open' AND due < ?",
                (today.isoformat(),),
            ),
            "unpaid_overdue_invoices": conn.execute(
                "SELECT count(*) FROM invoices WHERE paid_on IS NULL AND due_on < ?",
                (today.isoformat(),),
            ),
            "sent_quotes": conn.execute("SELECT count(*) FROM quotes WHERE status = 'sent'"),
            "open_deals": conn.execute(
                "SELECT count(*) FROM deals WHERE stage NOT IN ('won', 'lost')"
            ),
        }
        counts = {name: int(cursor.fetchone()[0]) for name, cursor in facts.items()}
        for word in SEARCH_WORDS:
            (counts[f"activities_with_{word}"],) = conn.execute(
                "SELECT count(*) FROM activities WHERE instr(summary || ' ' || "
                "coalesce(body, ''), ?) > 0",
                (word,),
            ).fetchone()
        items = next_actions(Session(Config(rep_name=REP), store, now=now))
        counts["next_actions"] = len(items)
        for item in items:
            key = f"next_actions_{item.kind}"
            counts[key] = counts.get(key, 0) + 1
        return counts
    finally:
        store.close()


def build(db: Path, scale: float, seed: int = SEED, batch: int = 1000) -> dict[str, Any]:
    """Builds the reference store at `db` (which must not exist) and returns what it made."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    today = datetime.now().astimezone().date()
    builder = Builder(scale, seed, now, today)
    print(f"Planning the reference data (scale {scale:g}, seed {seed}, today {today})...")
    builder.plan()
    planned = time.perf_counter() - started
    print(f"  {len(builder.jobs):,} changes planned in {planned:.1f} s")
    print(f"Writing {db} through the write path ({batch} changes per transaction)...")
    simulated = replay(builder, db, batch)
    seconds = time.perf_counter() - started
    counts = table_counts(db)
    facts = data_facts(db, today, now)
    info: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "rep": REP,
        "built_at": utc_iso(now),
        "today": today.isoformat(),
        "search_words": list(SEARCH_WORDS),
        "simulated_clock": simulated,
        "build_seconds": round(seconds, 1),
        "counts": counts,
        "facts": facts,
        "file_bytes": db.stat().st_size,
    }
    sidecar_path(db).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    print("Counts:")
    for name, count in counts.items():
        print(f"  {name:<18} {count:>10,}")
    print("Shape:")
    for name, count in facts.items():
        print(f"  {name:<34} {count:>8,}")
    print(f"Store file: {db.stat().st_size / 1e6:,.0f} MB")
    print(f"Built in {seconds:,.1f} s ({seconds / 60:.1f} min)")
    return info


def main(argv: list[str] | None = None) -> int:
    """Parses the command line and builds the store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"default: {DEFAULT_DB}")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full size (default 1.0)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--batch", type=int, default=1000, help="changes per write transaction")
    parser.add_argument("--force", action="store_true", help="replace an existing store")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10]")
    db: Path = args.db
    if db.exists() and not args.force:
        print(f"{db} exists; pass --force to replace it.", file=sys.stderr)
        return 1
    for path in [*store_files(db), sidecar_path(db)]:
        path.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    build(db, args.scale, args.seed, max(1, args.batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
