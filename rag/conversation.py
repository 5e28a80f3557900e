"""Follow-up resolution: a turn of a conversation → a self-contained question, or a clarifying question.

``FollowUpResolver().run(question, history) -> Resolution`` applies general rules (no LLM):

* **pronouns and demonstratives** — 它 其 该县 这个镇 那里 当地 他 / it its there "this county"
  stand for the latest entity of the right kind named in the conversation (or named by the last
  answer, when the last question asked 哪个/which); 它们 这些 and a sentence-initial 这 stand for
  the things the last question counted (``它们总投资多少？`` after ``…实施了多少个农村公路项目？``);
  ``这些卡点`` for the last question's ``交通卡点``;
* **ellipsis** — ``那昌都市呢？`` ``2019年呢？`` ``贫困人口呢？`` ``城镇居民的呢？`` ``What about 2019?``
  replace the entity, the year or the asked quantity of the previous question, in place;
* **years** — ``前一年呢？`` ``次年呢？`` ``四年前呢？`` *the year before* count from the previous
  question's year; ``去年呢？`` after a question about 2014 means 2013 (the documents' "now" is not
  the user's); a swap to another place drops a reporting period (``2016年以来``, *since 2016*) that
  belonged to the last place's report, and keeps a year that was asked about;
* **former / latter** — ``后者有多少个行政村？`` *the latter's area* pick from the two names a recent
  question joined (asked back when there are not two); a person does not replace a place
  (``王以志呢？`` after a question about a county is asked back);
* **missing subject** — a question naming no place, organization or person borrows the previous
  turn's (with its year, and with its topic when the question names no thing of its own:
  ``2020年安排了多少钱？``);
* **topic change** — a question that names its own subject is left as it is;
* **clarification** — when the history does not make it clear (two candidates for 它, nothing for
  该县 to stand for, a bare ``那个呢？``), ``Resolution.clarification`` holds a clarifying question
  instead of a guess; the next turn may answer it (``后者``, ``理塘县``).

History turns hold the *resolved* question of each earlier turn, so a chain of follow-ups keeps
its subject. An LLM condense step (:mod:`rag.condense`) may rewrite afterwards; ``Resolution.keep``
lists what that rewrite must keep.

Example::

    >>> from rag.conversation import FollowUpResolver, Turn
    >>> r = FollowUpResolver()
    >>> h = [Turn("格桑县县城海拔多高？", resolved="格桑县县城海拔多高？")]
    >>> r.run("它的面积是多少？", h).rewritten
    '格桑县的面积是多少？'
    >>> h = [Turn("格桑县2019年新建桥梁多少座？", resolved="格桑县2019年新建桥梁多少座？")]
    >>> r.run("那白玛县呢？", h).rewritten
    '白玛县2019年新建桥梁多少座？'
    >>> r.run("2021年呢？", h).rewritten
    '格桑县2021年新建桥梁多少座？'
    >>> r.run("改造农村公路呢？", h).rewritten
    '格桑县2019年改造农村公路多少？'
    >>> h = [Turn("格桑县和白玛县哪个海拔高？", resolved="格桑县和白玛县哪个海拔高？")]
    >>> r.run("它的面积是多少？", h).clarification
    '请问“它”指的是格桑县还是白玛县？'
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .entities import EN_QWORD, ZH_QWORD, Entity, Lexicon, Parsed, Pronoun, _cut, english_name, parse

# ---------------------------------------------------------------- data


@dataclass
class Turn:
    """One earlier turn: what was typed, the self-contained question it became, what was answered."""

    question: str
    resolved: str | None = None  # None: the turn got a clarifying question instead of an answer
    answer: str | None = None
    clarification: str | None = None
    options: list[str] = field(default_factory=list)  # the candidates a clarification offered


@dataclass
class Resolution:
    """What a turn means. ``clarification`` set → ask it back instead of answering."""

    question: str
    rewritten: str
    kind: str  # first | unchanged | topic_change | pronoun | entity_swap | year_swap | ellipsis | missing_subject | clarified | clarify
    by: str = "rules"  # rules | llm
    clarification: str | None = None
    options: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)  # entity/year/topic words taken from the history: a rewrite must keep them
    notes: list[str] = field(default_factory=list)
    # a follow-up that took something from the history: the places/organizations named earlier that it is no longer
    # about (an entity swap's old subject first), and the ones it is about; the chat layer checks the answer against them
    replaced: list[str] = field(default_factory=list)
    replacement: list[str] = field(default_factory=list)
    # a year swap: the years of the last question it no longer asks about, and the ones it asks about now ("2019" → "2020")
    years_replaced: list[str] = field(default_factory=list)
    years_now: list[str] = field(default_factory=list)
    # looser rewrites of a swap, asked in turn when the rewrite finds nothing: without the time it borrowed from the history
    # (the user named none), then with the asked thing cut to its head noun (农牧业产业化龙头企业 → 龙头企业)
    fallbacks: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.clarification is None and self.rewritten != self.question

    def to_json(self) -> dict:
        d = asdict(self)
        d["changed"] = self.changed
        return d


# a note on a Resolution: the topic a question naming no thing of its own took from the last one (安排了多少钱？ → 饮水安全工程点)
BORROWED_TOPIC = "borrowed_topic="

# ---------------------------------------------------------------- wording

_ZH_LEAD = re.compile(r"^(?:那么|那要是|那在|那到|那|要是|如果是|如果|还有|另外|至于|关于|换成|改成|换作|再看看|再问一下|请问|问一下|那请问|截至|截止到|截止|到了|到)")
_ZH_TAIL = re.compile(r"(?:的话)?(?:的情况|情况|的数据|数据)?(?:呢|怎么样|又如何|如何|又怎样|怎样|又是多少|是多少呢|又有多少|的呢)$")
_EN_ABOUT = re.compile(r"^(?:and\s+|so\s+|ok\s+|okay\s+)?(?:what|how)\s+about\s+(.+)$|^and\s+(.+)$", re.I)
_PUNCT_END = re.compile(r"[\s？?。.!！～~…]+$")
# 白玛县呢，同样的指标 / 换成白玛县，一样的问题 / What about Baima, same question?: the same question, said again in words
_SAME_QUESTION_TAIL = re.compile(r"(?:(?<=呢)|[，,、]\s*)(?:也是|还是|问的是|按)?(?:同样|一样|同一|相同)(?:的|个|一个)?(?:指标|问题|数据|口径|统计|内容)(?:呢)?[\s？?。.!！]*$"
                                 r"|[,\s]+(?:the\s+)?same\s+(?:question|measure|figure|thing|metric|indicator)s?[\s?.!]*$", re.I)
# Same question for Baima. / 同样的问题问白玛县 / Baima's figure? / the number for Baima: a swap said in other words
_SAME_QUESTION_FOR = re.compile(r"^(?:ok(?:ay)?|and|now|so|then)?[,\s]*(?:(?:ask\s+)?(?:the\s+)?same\s+(?:question|thing|one)|(?:do|ask)\s+(?:the\s+same|that|it))\s+"
                                r"(?:for|about|in|of|on)\s+(?P<en>.+?)[\s?.!]*$"
                                r"|^(?:ok(?:ay)?|and|now|so|then)?[,\s]*(?P<en2>.+?)(?:'s|’s)\s+(?:figure|number|numbers|figures|data|value|count|total|one)[\s?.!]*$"
                                r"|^(?:ok(?:ay)?|and|now|so|then)?[,\s]*(?:what\s+is\s+|what's\s+)?(?:the\s+)?(?:figure|number|data|value|count|total)\s+(?:for|of|in)\s+(?P<en3>.+?)[\s?.!]*$"
                                r"|^(?:那么?|好的?|再)?[，,\s]*(?:同样的|一样的|同一个|相同的)问题[，,\s]*(?:问一下|问问|问|换成|换作|对于|对)?(?P<zh>[^，,。？?]+?)(?:呢|是多少|怎么样)?[\s？?。!！]*$",
                                re.I)
# 2020年动态管理后呢？ 2018年脱贫摘帽以后呢？: a year with the event it is counted from is still a year swap
_YEAR_QUALIFIED = re.compile(r"^(?:那么|那在|那|到了|到)?((?:19|20)\d{2}年(?:底|末|初)?)((?:[\u4e00-\u9fff]{2,8}?)(?:后|以后|之后|以前|之前|期间|时))"
                             r"(?:的情况|的数据|的数字)?(?:呢|的呢|怎么样|又如何)?[\s？?。!！]*$")
# How many such projects…? / those households: the thing of the last question said by its head noun
_EN_DEMONSTRATIVE_NP = re.compile(r"\b(?:such|these|those|that|this|the\s+same)\s+([A-Za-z][\w-]*)\b", re.I)
_EN_THAT_YEAR = re.compile(r"\b(?:in\s+|for\s+|during\s+)?(?:that|the\s+same)\s+year\b", re.I)
# words that carry no content: what is left after them is the asked thing (贫困人口), or nothing
_ZH_FUNCTION = {"是", "有", "为", "在", "的", "了", "呢", "吗", "吧", "啊", "呀", "嘛", "么", "那", "那么", "这", "还", "还有", "又", "也", "再", "都",
                "多少", "几", "几个", "什么", "哪个", "哪些", "哪", "谁", "何", "是否", "有没有", "怎么", "怎么样", "如何", "怎样", "为什么", "为何",
                "情况", "方面", "数据", "数字", "的话", "换成", "改成", "然后", "接着", "那个", "这个", "一下", "请问", "问", "说说", "讲讲", "看看",
                "详细", "具体", "其他", "其它", "其余", "另外", "另一个", "别的", "还是", "分别", "一共", "总共", "共", "多", "大", "高", "长", "远",
                "上面", "刚才", "之前", "前面", "说", "提到", "讲", "问", "那些", "这些", "到", "截至", "截止"}
_ZH_FUNCTION_FLAGS = ("y", "u", "x", "c", "p", "q", "r", "e", "o")
# nouns too general to say what a question is about (安排了多少钱？ asks about the last topic's money)
_GENERIC_NOUNS = {"钱", "资金", "经费", "金额", "人", "人数", "数量", "总数", "数字", "比例", "情况", "时间", "地方", "东西", "资料", "规模",
                  "多少", "个数", "次数", "面积", "费用", "结果", "内容", "问题", "工作", "方面", "目标", "任务", "计划", "成效",
                  "效果", "进展", "标准", "要求", "增速", "增幅", "变化", "总量", "总额", "投入", "数额", "投资", "群众", "人口"}
_NOUNISH = ("n", "vn", "an", "j", "l", "b", "nz", "ng")
_MEASURE_CHARS = set("人户个名座所家条项亩位只头台辆套间处块张批次元吨米")
# verbs of change: 地区生产总值较2014年增长多少 → 农村居民收入较2014年增长多少 keeps its frame
_CHANGE_VERBS = {"增长", "下降", "提高", "增加", "减少", "降低", "上升", "达到", "占", "为", "是"}
# X有多少 asks the amount of X: 有 is the frame of the question, not part of the thing (特色农产品有多少 → 贫困人口有多少)
_HAVE_VERBS = {"有", "共有", "现有", "拥有", "还有", "一共有", "总共有"}
# the last character of things not counted in 个: people, households, sums of money
_NOT_BY_GE = set("人员户民力金款元资费")
# verbs that say how much, not what: 安排了多少钱 / 增长了多少 ask about the last question's thing
_GENERIC_VERBS = {"降到", "降至", "下降到", "下降至", "降低到", "减少到", "减至", "增加到", "增至", "增长到", "提高到", "提升到", "上升到",
                  "安排", "投入", "完成", "达到", "增长", "下降", "提高", "增加", "减少", "实现", "涉及", "惠及", "带动", "覆盖", "占", "用于",
                  "花费", "需要", "计划", "预计", "累计", "共计", "合计", "达", "超过", "新增", "降低", "上升", "变成", "变为", "拨付", "下达"}
# things measured, not counted: 有多少个X does not take them
_UNCOUNTED = ("率", "比例", "比重", "占比", "面积", "海拔", "总值", "总量", "收入", "增速", "增幅", "长度", "高度", "温度", "金额", "价格", "规模")
_EN_FUNCTION = set("what how about and so ok okay is are was were the a an of in for on at to do does did there it its they their them "
                   "this that these those much many which who when where why please tell me also same then with by from as one ones".split())
_EN_NP_STOP = set("in of at for from did does do are is were was have has had will would can could been be with on by to that which who "
                  "benefit benefited benefiting get got receive received set built".split())
_NUMERIC_FRAME = re.compile(r"多少|几|多[高大长远久重深宽厚]|how many|how much|how high|how large|how big|how long|how far", re.I)
_ASKS_WHICH = re.compile(r"哪个|哪些|哪一个|哪家|哪座|哪所|哪条|哪位|哪两个|哪几个|哪里|哪儿|\bwhich\b|\bwhat (?:county|city|place|town|village|airport|company)\b", re.I)
_QWORD_TOKEN = re.compile(r"^(?:多少|几|哪|什么|谁|多[高大长远久重深宽厚])")
_MEASURE_NOUNS = {"人数", "户数", "人次", "个数", "数量", "金额", "总数", "总额", "总量", "比例", "占比", "比重", "资金", "投资"}
# 多少公里公路 / 几所学校: a quantity with a measure word or unit, then the thing counted
_RECOUNT = re.compile(r"^((?:多少|几)(?:个|名|户|人|座|所|家|条|项|亩|位|台|辆|套|间|处|块|张|批|公里|千米|平方公里|平方米|万元|亿元|元|吨|万吨))([\u4e00-\u9fff]{2,8})$")
_REQUANTIFY = re.compile(r"^(?:又|那|共|一共|总共)?(?:有)?(多少|几)([\u4e00-\u9fff]{0,3})$")
# a question that opens on what something did to people (覆盖了多少户？ 带动了多少人？): the doer is the last question's thing
_EFFECT_VERB = re.compile(r"^(?:共|累计|一共|总共|还|又|已|已经)?(?:覆盖|带动|惠及|辐射|吸纳|帮扶|受益)(?:了)?(?:多少|几)")
_SAME_YEAR = ("当年", "同年", "该年", "这一年", "那一年")
_RELATIVE_YEARS = {"前一年": -1, "上一年": -1, "头一年": -1, "后一年": 1, "下一年": 1, "次年": 1, "第二年": 1}
# said from now, in a conversation about a year the documents name: 2014年 … 去年呢？ means 2013
_DEICTIC_YEARS = {"去年": -1, "前年": -2, "明年": 1, "后年": 2, "last year": -1, "next year": 1}
_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _relative_offset(value: str) -> int | None:
    """Years from the previous question's year a relative year means: 前一年 -1, 四年前 -4, the year after +1; None otherwise.

    >>> [_relative_offset(v) for v in ("前一年", "四年前", "3年后", "the year before", "two years later", "2019")]
    [-1, -4, 3, -1, 2, None]
    """
    v = value.strip().lower()
    if v in _RELATIVE_YEARS:
        return _RELATIVE_YEARS[v]
    m = re.fullmatch(r"([一二两三四五六七八九十]|\d{1,2})年(之前|之后|以前|以后|前|后)", v)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _CN_DIGITS[m.group(1)]
        return -n if "前" in m.group(2) else n
    m = re.fullmatch(r"(?:the\s+|a\s+|one\s+)?year\s+(before|earlier|after|later)", v)
    if m:
        return -1 if m.group(1) in ("before", "earlier") else 1
    m = re.fullmatch(r"(?:the\s+)?(previous|preceding|prior|following|subsequent)\s+year", v)
    if m:
        return -1 if m.group(1) in ("previous", "preceding", "prior") else 1
    m = re.fullmatch(r"(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+years\s+(before|earlier|after|later)", v)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _CN_DIGITS[m.group(1)]
        return -n if m.group(2) in ("before", "earlier") else n
    return None
_BASELINE = re.compile(r"(?:较|比|相比|同比|比上|对比)\s*$")
_ORDINAL = re.compile(r"^(?:那)?(?:第[一二三四五六七八九十\d]+个?|前者|后者|最后一个|上一个|下一个)(?:的)?$")
_CHANGE_AFTER = re.compile(r"^(?:的)?(?:又|还|已|已经|共|累计|比上年|同比|较上年)?(?:下降|降低|降|减少|增加|增长|提高|提升|上升|增|减|变化|翻)")
_UNITS = r"(?:米|公里|千米|平方公里|平方千米|平方米|元|万元|亿元|吨|万吨|公斤|千克|万人|人次|万人次|千瓦|兆瓦|小时)"
_EN_OTHER = re.compile(r"\b(?:the\s+)?other\s+(?:one|county|city|prefecture|town|township|village|place|district|region)s?\b"
                       r"|\banother\s+(?:one|county|city|prefecture|town|township|village|place|district)\b|\bthe\s+(?:former|latter)\b"
                       r"|^(?:and\s+|what\s+about\s+|how\s+about\s+)?(?:the\s+)?others[\s?.!]*$", re.I)
_END_POINT = re.compile(r"(?:下降|降低|减少|增加|增长|提高|上升|提升|缩小|扩大|降)(?:到|至)了?(?=多少|几)")
# what "its" owns, up to a preposition or the end of the question: its poverty incidence rate (in 2014)?
_EN_POSSESSED = re.compile(r"\s+((?:[A-Za-z][\w-]*\s+){0,4}?[A-Za-z][\w-]*)(?=\s*(?:[?.!,;]|$)|\s+(?:in|of|for|at|by|since|during|from|before|after|until)\b)")
_EN_AND_QUESTION = re.compile(r"^\s*(?:and|so|also|then)\s*,?\s+((?:how|what|which|who|when|where|why|is|are|was|were|do|does|did|has|have|had)\b(?:\s+\S+){2,}.*)$", re.I)
_FORMER_LATTER = re.compile(r"前者|后者|\bthe\s+(?:former|latter)\b", re.I)
_TWO = re.compile(r"两|二|\bboth\b|\btwo\b", re.I)  # a plural pronoun that says how many: 这两个县, both of them
_OTHER = re.compile(r"(?:其他|其它|别的|另一个|另一|另外的|另外一个|另外[两二三四五几]个?|剩下的?[两二三四五几]?个?|其余的?)(?:[\u4e00-\u9fff]{0,4})")
# "the third one", "the second county": a place in a list the conversation never gave
_EN_ORDINAL = re.compile(r"^(?:and\s+|what\s+about\s+|how\s+about\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth|last|next|previous|other)\s+"
                         r"(?:one|county|city|prefecture|town|township|village|place|district)s?$", re.I)
# 后来呢？ 之后呢？ 以前呢？: a time said by nothing but its direction
_VAGUE_TIME = re.compile(r"^(?:那|那么)?(?:后来|之后|以后|此后|然后|以前|之前|此前|早些时候|那时候?|当时|那一年之后|那一年以前|那年之后|同期|同一时期|同一时间)(?:呢|的情况呢|怎么样|又如何)?$")
_EN_VAGUE_TIME = re.compile(r"^(?:and\s+|what\s+about\s+)?(?:after\s+that|before\s+that|later|earlier|afterwards|back\s+then|since\s+then|(?:in\s+|over\s+)?the\s+same\s+period)$", re.I)
# what 他们 / they can stand for when it is the thing the last question counted: people or households, not villages or projects
_PEOPLE_HEAD = re.compile(r"(?:人|员|户|民|者|干部|书记|群众|学生|儿童|医生|教师|老师|工人|劳动力|劳力|队伍|家庭|人口)$")
# 下面的县呢？ 其中的乡呢？: one of the places under the last one, not named
_SUB_PLACE = re.compile(r"^(?:那|那么)?(?:下面|下属|下辖|所属|其下|辖区内|里面)的?(?:那个|哪个|某个|一个)?(?:县|市|区|乡|镇|村|州|乡镇)(?:呢)?$")
# 这个数字是怎么算的？ is that right?: a question about the last answer itself, which the reports do not discuss
# 隔壁县呢？ 邻近的乡镇呢？ What about its neighbour?: a place said by where it lies, not by name
_RELATIVE_PLACE = re.compile(r"(?:隔壁|邻近|相邻|临近|周边|附近|旁边|周围)的?(?:那个|一个|几个|这个)?(?:县|市|区|乡|镇|村|州|乡镇|地区|地方|省)"
                             r"|(?<![\u4e00-\u9fff])邻(?:县|市|州|乡|镇|村|省)")
_EN_RELATIVE_PLACE = re.compile(r"\b(?:neighbou?r(?:ing)?|nearby|adjacent|next[- ]door|surrounding)\b"
                                r"|\bnext\s+(?:county|city|town|township|village|prefecture|district)\b", re.I)
# 换一个市呢？ 换个县问问 / a different county, another one: which one is not said
_CHANGE_TO_SOME = re.compile(r"(?:换|换成|改成|再换)(?:一)?(?:个|家|座|所)(?:别的)?(?:县|市|区|乡|镇|村|州|乡镇|地方|单位|企业|地区)?")
_EN_CHANGE_TO_SOME = re.compile(r"\b(?:another|a\s+different|some\s+other|a\s+new)\s+(?:one|county|city|town|township|village|prefecture|place|district|region)\b", re.I)
# 它们各自呢？ each of them?: parts the history must have listed
_EACH = re.compile(r"各自|\beach\b|\brespectively\b|\bindividually\b", re.I)
# 哪个更高？ which one is larger?: a comparison needs two things
_WHICH_MORE = re.compile(r"(?:哪个|哪一个|哪边|哪里|谁|哪家|哪年|哪一年)(?:的)?(?:更|比较|最)?(?:高|低|多|少|大|小|快|慢|好|强|重|长)"
                         r"|\bwhich\s+(?:one\s+|of\s+(?:them|the\s+two)\s+)?(?:is|was|has|had)\s+(?:the\s+)?(?:higher|lower|larger|bigger|smaller|more|less|fewer|greater)", re.I)
# 其中贫困户有多少？ / Of these, how many…?: a part of something said before
_AMONG_FIRST = re.compile(r"^(?:那么|那)?(?:其中|这其中|在这之中|这里面|其余|剩下的|余下的)")
_EN_AMONG_FIRST = re.compile(r"^(?:and\s+)?(?:of|among)\s+(?:them|these|those|which)\b|^(?:and\s+)?how\s+many\s+of\s+(?:them|these|those)\b", re.I)
# 那个比例 / 这一比率 / that rate: a ratio the last question must have asked for
_THAT_RATIO = re.compile(r"(?:那个|这个|这一|那一|该|此|上述|刚才的?|上面的?)(?:比例|比重|占比|百分比|比率)")
_EN_THAT_RATIO = re.compile(r"\b(?:that|this|the\s+same)\s+(?:rate|ratio|percentage|share|proportion)\b", re.I)
_ASKS_RATIO = re.compile(r"率|比例|比重|占比|百分|%|\b(?:rate|ratio|percent|percentage|share|proportion)s?\b", re.I)
# 那个数字呢？ / What about that figure?: nothing but the last answer pointed at
_THAT_FIGURE_ONLY = re.compile(r"(?:那么|那)?(?:那个|这个|这一|那一|上面的?|刚才的?)(?:数字|数据|数|数值|结果|比例)(?:呢|的呢|怎么样|又如何)?")
_EN_THAT_FIGURE_ONLY = re.compile(r"(?:and\s+|so\s+|ok\s+)?(?:(?:what|how)\s+about\s+)?(?:that|this|the)\s+(?:figure|number|value|result|data)", re.I)
_ABOUT_ANSWER_ZH = re.compile(r"^(?:那|那么)?(?:这个|这一|那个|该|此|上面的?|刚才的?)?(?:数字|数据|数|比例|结果|答案|说法|统计)"
                              r"(?:是)?(?:怎么|如何|怎样)(?:算|计算|统计|得出|来)的?|(?:数字|数据|数|比例|结果|答案|说法)(?:准确|对|可靠|可信|正确|真实)(?:吗|不|么)")
_ABOUT_ANSWER_EN = re.compile(r"^(?:is|was)\s+(?:that|this|it)\s+(?:right|correct|accurate|true|reliable)\??$"
                              r"|^how\s+(?:was|is)\s+(?:that|this|it)\s+(?:number|figure|rate)?\s*(?:calculated|computed|counted|measured|derived)\??$"
                              r"|^where\s+(?:does|did)\s+(?:that|this)\s+(?:number|figure)\s+come\s+from\??$", re.I)


def _zh_frame(prev: str) -> str:
    """How to ask about a new quantity in the previous question's manner."""
    if "谁" in prev:
        return "是谁"
    if "哪些" in prev:
        return "有哪些"
    if re.search(r"哪一年|哪年|何时|什么时候", prev):
        return "是哪一年"
    if "什么" in prev and not _NUMERIC_FRAME.search(prev):
        return "是什么"
    return "是多少"


def _join(names: list[str], lang: str) -> str:
    if lang == "en":
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return "和".join(names)


def _options_text(opts: list[str], lang: str) -> str:
    if lang == "en":
        return " or ".join(opts) if len(opts) <= 2 else ", ".join(opts[:-1]) + " or " + opts[-1]
    return "还是".join(opts) if len(opts) <= 2 else "、".join(opts[:-1]) + "还是" + opts[-1]


def _kind_word(need: str, lang: str) -> str:
    if lang == "en":
        return {"place": "place", "org": "organization", "person": "person"}.get(need, "place or organization")
    return {"place": "地方", "org": "单位", "person": "人", "any": "地方或单位"}.get(need, need)


def _dedup(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(x for x in xs if x))


# ---------------------------------------------------------------- a question taken apart


class _Q:
    """A question with its entities, years, tokens and topic: what it counts, what it asks about."""

    def __init__(self, text: str, lexicon: Lexicon | None, extra: dict | None = None):
        self.p = parse(text, lexicon, extra)
        self.text = self.p.text
        self.lang = self.p.lang
        self.blocked = [(e.start, e.end) for e in self.p.entities] + [(y.start, y.end) for y in self.p.years]
        self.toks = _cut(self.p.norm) if self.lang == "zh" else []
        self.runs = self._runs()
        self.qword = next((k for k, t in enumerate(self.toks) if _QWORD_TOKEN.match(t[0])), None)

    def _free(self, i: int, j: int) -> bool:
        return not any(i < b and a < j for a, b in self.blocked)

    def _runs(self) -> list[tuple[int, int, int, int]]:
        """Maximal runs of noun-like tokens outside entities and years: (first token, last token + 1, start, end)."""
        out, k, toks = [], 0, self.toks
        while k < len(toks):
            w, f, i, j = toks[k]
            if (f.startswith(_NOUNISH) or (f == "zg" and w in "省市县州区乡镇村")) and self._free(i, j) and re.search(r"[\u4e00-\u9fff]", w) \
                    and not _QWORD_TOKEN.match(w):
                a = k
                while k + 1 < len(toks) and toks[k + 1][1].startswith(_NOUNISH) and self._free(toks[k + 1][2], toks[k + 1][3]) \
                        and not _QWORD_TOKEN.match(toks[k + 1][0]):
                    k += 1
                # 工程 + 点, 交通卡 + 点: a one-character tail closing the clause belongs to the noun
                if k + 1 < len(toks) and len(toks[k + 1][0]) == 1 and re.match(r"[\u4e00-\u9fff]", toks[k + 1][0]) and \
                        toks[k + 1][1] in ("m", "q", "ng", "n") and (k + 2 >= len(toks) or toks[k + 2][1] == "x"):
                    k += 1
                out.append((a, k + 1, toks[a][2], toks[k][3]))
            k += 1
        return out

    @property
    def counted(self) -> tuple[int, int] | None:
        """The span of what ``多少个 X`` counts (X), when the question counts something."""
        if self.qword is None:
            return None
        for a, b, i, j in self.runs:
            if a > self.qword and not (j - i == 1 and self.text[i:j] in _MEASURE_CHARS):  # 多少人: 人 is a measure word here
                gap = self.toks[self.qword + 1 : a]
                years = [(y.start, y.end) for y in self.p.years]
                # 多少个 2014年以来 已竣工的 扶贫项目: a year (with its 以来) in between is no thing counted
                if all(f[:1] in ("q", "m", "v", "u", "d", "a") or w in ("的",) or any(ys <= s0 and e0 <= ye for ys, ye in years)
                       for w, f, s0, e0 in gap):
                    # 利益 联结 机制建设项目: a verb between nouns belongs to the counted thing
                    starts = {r[0]: r for r in self.runs}
                    while b + 1 < len(self.toks) and self.toks[b][1][:1] == "v" and len(self.toks[b][0]) >= 2 \
                            and self._free(self.toks[b][2], self.toks[b][3]) and (b + 1) in starts:
                        _, b, _, j = starts[b + 1]
                    T = self.toks
                    if b + 1 < len(T) and T[b][1][:1] == "v" and len(T[b][0]) >= 2 and len(T[b + 1][0]) == 1 \
                            and re.match(r"[\u4e00-\u9fff]", T[b + 1][0]) and T[b + 1][1] in ("m", "q", "ng", "n") \
                            and (b + 2 >= len(T) or T[b + 2][1] == "x"):
                        j = T[b + 1][3]  # 搬迁 安置 点: a verb and a one-character tail closing the clause
                    return (i, j)
                return None
        return None

    @property
    def before(self) -> tuple[int, int] | None:
        """The span of the last noun run before the question word (召开 市委常委会 几次)."""
        if self.qword is None:
            return None
        runs = [r for r in self.runs if r[1] <= self.qword]
        if not runs:
            return None
        a, b, i, j = runs[-1]
        T = self.toks
        if b + 1 == self.qword and T[b][1] == "v" and len(T[b][0]) == 2 and T[b][0] not in _GENERIC_VERBS | _CHANGE_VERBS \
                and self._free(T[b][2], T[b][3]):
            j = T[b][3]  # 旅游 收入 多少: a noun jieba tags as a verb, right before the question word, closes the noun phrase
        ends = {r[1]: r for r in runs}
        # 利益 联结 机制建设项目: a verb between nouns belongs to the noun phrase
        while a >= 2 and self.toks[a - 1][1][:1] == "v" and len(self.toks[a - 1][0]) >= 2 and self._free(self.toks[a - 1][2], self.toks[a - 1][3]) \
                and (a - 1) in ends:
            a, _, i, _ = ends[a - 1]
        return (i, j)

    @property
    def topic_span(self) -> tuple[int, int] | None:
        return self.counted or self.before

    @property
    def topic(self) -> str:
        if self.lang == "en":
            m = re.match(r"^\s*how\s+(?:many|much)\s+(.+)$", self.text, re.I)
            if not m:
                return ""
            words = []
            for w in m.group(1).split():
                if w.lower().strip("?,.") in _EN_NP_STOP:
                    break
                words.append(w.strip("?,."))
            return " ".join(words)
        sp = self.topic_span
        return self.text[sp[0] : sp[1]] if sp else ""

    @property
    def subjects(self) -> list[Entity]:
        return self.p.subjects

    def subject_text(self, persons: bool = True) -> str:
        ents = [e for e in self.p.entities if persons or e.is_subject]
        if not ents:
            return ""
        if len(ents) == 1:
            return ents[0].text
        gaps = [self.text[a.end : b.start] for a, b in zip(ents, ents[1:])]
        if all(re.fullmatch(r"\s*(?:和|与|及|、|以及|跟|同|的|,|，|and|,\s*and)?\s*", g) for g in gaps):
            return self.text[ents[0].start : ents[-1].end]
        return _join(list(dict.fromkeys(e.text for e in ents)), self.lang)

    def years_text(self) -> str:
        ys = self.p.years
        if not ys:
            return ""
        return self.text[ys[0].start : ys[-1].end] if len(ys) > 1 and ys[-1].start - ys[0].end <= 2 else ys[0].text


# ---------------------------------------------------------------- the resolver


@dataclass
class _Ctx:
    turn: Turn
    q: _Q
    answer_entities: list[Entity]


class FollowUpResolver:
    """Offline follow-up rules (see the module docstring). ``lexicon``: names the index knows.

    ``carry_year``: a follow-up that names no year (a pronoun or missing-subject question)
    keeps the year of the question it follows.
    """

    def __init__(self, lexicon: Lexicon | None = None, carry_year: bool = True, max_back: int = 6):
        self.lexicon = lexicon
        self.carry_year = carry_year
        self.max_back = max_back

    # ------------------------------------------------------------ entry point
    def run(self, question: str, history: list[Turn] | None = None) -> Resolution:
        res = self._run(question, history)
        if res.clarification is None and not res.replaced and res.kind not in ("first", "unchanged", "topic_change") and history:
            # a follow-up that took its subject from the history: which names it is about, and which earlier ones it is not
            ctx = self._contexts(list(history)[-self.max_back :])
            now = [e for e in _Q(res.rewritten, self.lexicon, self._history_names(ctx)).subjects if e.kind in ("place", "org")]
            norm = to_norm(res.rewritten)
            earlier = [e.text for c in ctx for e in c.q.subjects
                       if e.kind in ("place", "org") and e.text not in res.rewritten and (e.norm or e.text) not in norm]
            if now and earlier:
                res.replaced, res.replacement = _dedup(earlier), _dedup([e.text for e in now])
        if res.clarification is None and res.rewritten != res.question:
            res.rewritten = in_script_of(res.question, res.rewritten)
            res.keep = [in_script_of(res.question, w) for w in res.keep]
        return res

    def looser(self, question: str, res: Resolution) -> list[str]:
        """The looser rewrites of a swap (``Resolution.fallbacks``), worked out only when the chat needs them (the swap was refused).

        The subject changed: a time the user did not name belonged to the question about the last place.
        An LLM rewrite is loosened from the rules' rewrite it agreed with (``rules: …`` in its notes).
        """
        if res.clarification is not None or not res.replacement:
            return []
        if res.by == "llm":
            rules = next((n[7:] for n in res.notes if n.startswith("rules: ")), None)
            if rules:
                from dataclasses import replace

                return self._looser(question, replace(res, rewritten=rules))
        return self._looser(question, res)

    def _looser(self, question: str, res: Resolution) -> list[str]:
        """Looser rewrites of a swap (see ``Resolution.fallbacks``).

        >>> r = FollowUpResolver()
        >>> h = [Turn("雅砻州2014年有多少家农牧业产业化龙头企业？", resolved="雅砻州2014年有多少家农牧业产业化龙头企业？")]
        >>> r.looser("卓玛镇那边呢？", r.run("卓玛镇那边呢？", h))
        ['卓玛镇有多少家农牧业产业化龙头企业？', '卓玛镇有多少家龙头企业？']
        """
        out: list[str] = []
        base = self._without_borrowed_time(question, res)
        if base:
            out.append(base)
        head = self._head_topic(base or res.rewritten)
        if head:
            out.append(head)
        return _dedup([x for x in out if x != res.rewritten])

    def _head_topic(self, text: str) -> str | None:
        """``text`` with the thing it asks about cut to its last noun (产业化龙头企业 → 龙头企业), when that says three characters or more.

        >>> FollowUpResolver()._head_topic("卓玛镇建立了多少临时救助基金？") is None
        True
        """
        P = _Q(text, self.lexicon)
        if P.lang != "zh" or P.topic_span is None:
            return None
        i, j = P.topic_span
        toks = [t for t in P.toks if i <= t[2] and t[3] <= j]
        if len(toks) < 2:
            return None
        k = len(toks) - 1
        while k > 0 and len(toks[k][0]) == 1:  # 安置 点: a one-character tail stays with the word before it
            k -= 1
        w, f, a, _ = toks[k]
        # a head of two characters (基金, 资金) says too little to ask by itself
        if len(text[a:j]) < 3 or not f.startswith(_NOUNISH) or a == i or text[a:j] in _GENERIC_NOUNS:
            return None
        return text[:i] + text[a:j] + text[j:]

    def _without_borrowed_time(self, question: str, res: Resolution) -> str | None:
        """The rewrite without the years (and 以来 scopes) it borrowed from the history, when the user named no time at all.

        ``報告中的縣的情况怎么样？`` after ``格桑县2014年的贫困发生率是多少？`` is rewritten with 2014年; another place's report
        may give its rate for no year, or another: this is what to ask when the first rewrite finds nothing.
        """
        typed = parse(question, self.lexicon)
        if typed.years or re.search("|".join(_SAME_YEAR) + r"|\bthat year\b|\bthe same year\b", typed.norm, re.I):
            return None
        rq = _Q(res.rewritten, self.lexicon)
        out = res.rewritten
        for y in sorted(rq.p.years, key=lambda y: -y.start):
            if rq.lang == "en":
                head = re.search(r"\s*\b(?:in|since|from|during|by|for|as of)\s+$", out[: y.start], re.I)
                a = head.start() if head else y.start
                out = out[:a] + out[y.end :]
            else:
                j = y.end + (1 if out[y.end : y.end + 1] in ("，", ",") else 0)
                out = out[: y.start] + out[j:]
        if rq.lang == "zh" and res.kind == "entity_swap":
            # 精准扶贫开展以来，格桑县…: the period the last place's report covers
            out = re.sub(r"^[^，,。？?]{2,12}(?:以来|以來)[，,]", "", out)
        out = re.sub(r"\s{2,}", " ", out).strip()
        return out if out and out != res.rewritten else None

    def _run(self, question: str, history: list[Turn] | None = None) -> Resolution:
        q = (question or "").strip()
        history = list(history or [])
        ctx = self._contexts(history)
        extra = self._history_names(ctx)
        cur = _Q(q, self.lexicon, extra)
        if ctx:
            whole = _whole_name(cur.p, self.lexicon)
            if whole is not None:  # 扎西平措呢？: jieba cut a name it does not know (扎 | 西平 | 措); the fragment is the name
                extra = {**extra, whole[0]: whole[1]}
                cur = _Q(q, self.lexicon, extra)
        p, lang = cur.p, cur.lang

        m_and = _EN_AND_QUESTION.match(q) if lang == "en" else None
        if m_and and (len(m_and.group(1).split()) >= 5 or re.search(r"\b(?:them|they|it|its|their|there)\b", m_and.group(1), re.I)):
            # "And how many of them found jobs?": a whole question after "and", not a fragment ("And how many people?")
            rest = m_and.group(1)
            res = self.run(rest[:1].upper() + rest[1:], history)
            res.question = q
            return res

        if ctx:
            short = _SAME_QUESTION_TAIL.sub("", q)
            if short != q and short.strip() and len(short) < len(q):
                res = self.run(short + ("" if lang == "en" else "呢？") if not re.search(r"[呢?？]$", short) else short, history)
                res.question = q
                return res
            if lang == "en":
                full = self._en_demonstratives(q, ctx[-1].q.text)
                if full != q:
                    res = self.run(full, history)
                    res.question = q
                    return res
            m_yq = _YEAR_QUALIFIED.match(p.norm) if lang == "zh" else None
            if m_yq:
                year, qual = q[m_yq.start(1) : m_yq.end(1)], q[m_yq.start(2) : m_yq.end(2)]
                res = self.run(year + "呢？", history)
                if res.clarification is None and res.rewritten.count(year) == 1:
                    res.rewritten = res.rewritten.replace(year, year + qual)
                    res.question = q
                    res.keep = _dedup(res.keep + [year + qual])
                    return res
            m_same = _SAME_QUESTION_FOR.match(q)
            if m_same:
                name = next(g for g in m_same.groups() if g)
                asked = f"What about {name}?" if m_same.group("zh") is None else f"{name}呢？"
                if parse(asked, self.lexicon, extra).entities:  # only when what follows is a name
                    res = self.run(asked, history)
                    res.question = q
                    return res
            m_ty = _EN_THAT_YEAR.search(q) if lang == "en" else None
            pys = {y.value for y in ctx[-1].q.p.years if not y.is_range}
            if m_ty and len(pys) == 1 and next(iter(pys)).isdigit():
                # "that year" after a question about 2020 is 2020
                res = self.run(q[: m_ty.start()] + f"in {next(iter(pys))}" + q[m_ty.end() :], history)
                res.question = q
                return res
            if m_ty and len(pys) > 1:
                opts = list(dict.fromkeys(y.text for y in ctx[-1].q.p.years))
                return Resolution(q, q, "clarify", clarification=f"Which year do you mean by “{m_ty.group(0).strip()}”: {_options_text(opts, 'en')}?",
                                  options=opts)

        if history and history[-1].clarification:
            picked = self._answer_to_clarification(q, p, history, extra)
            if picked is not None:
                return picked

        # "理塘县…它的…" refers inside the question; "the county seat of X" names X
        prons = [x for x in p.pronouns if not any(e.end <= x.start for e in p.entities)
                 and not (lang == "en" and x.text.lower().startswith("the ") and p.entities)]
        trefs = self._topic_refs(cur, ctx[-1].q if ctx else None, prons)
        prons = [x for x in prons if not any(x.start < b and a < x.end for a, b, _ in trefs)]
        content = self._content(p)

        if not ctx:
            if prons or trefs:
                x = prons[0] if prons else Pronoun(q[trefs[0][0] : trefs[0][1]], "any", True, trefs[0][0], trefs[0][1])
                return self._clarify_unknown(q, x, lang)
            if not content and (p.entities or p.years) and self._elliptic(p):
                what = "、".join([e.text for e in p.entities] + [y.text for y in p.years])
                text = f"What would you like to know about {what}?" if lang == "en" else f"请问您想了解{what}的什么情况？"
                return Resolution(q, q, "clarify", clarification=text)
            if self._elliptic(p) or _FORMER_LATTER.search(p.norm) or (lang == "en" and _EN_ORDINAL.match(_PUNCT_END.sub("", p.norm))) \
                    or (not p.entities and (_AMONG_FIRST.match(p.norm) or (lang == "en" and _EN_AMONG_FIRST.match(p.norm)))):
                # 后者呢？ 贫困人口呢？ 其中贫困户有多少？ What about the second one? as the first question: nothing before it to follow
                text = ("This follows up on something not asked yet: please ask the whole question." if lang == "en"
                        else "这像是接着前面的问题问的，但前面还没有问题：请把问题说完整（地方、年份和要问的内容）。")
                return Resolution(q, q, "clarify", clarification=text)
            return Resolution(q, q, "first")

        prev = ctx[-1]
        # 当年 / 同年: the year the last question named
        same = [y for y in p.years if re.sub(r"(?:以来|底|末|初)$", "", y.value) in _SAME_YEAR]
        pv = {y.value for y in prev.q.p.years}
        if same and len(pv) > 1:  # 那一年 after 2014年和2019年: which one is not said
            opts = list(dict.fromkeys(y.text for y in prev.q.p.years))
            text = (f"Which year do you mean by “{same[0].text}”: {_options_text(opts, 'en')}?" if lang == "en"
                    else f"请问“{same[0].text}”指的是{_options_text(opts, 'zh')}？")
            return Resolution(q, q, "clarify", clarification=text, options=opts)
        if same and len(pv) == 1 and not prev.q.p.years[0].is_range and next(iter(pv)).isdigit():
            y0 = same[0]
            q2 = q[: y0.start] + f"{next(iter(pv))}年" + y0.text[len(re.sub(r"(?:以来|底|末|初)$", "", y0.text)):] + q[y0.end :]
            res = self.run(q2, history)
            res.question = q
            return res
        bare_q = _PUNCT_END.sub("", p.norm).strip()
        if not p.entities and not p.years and (
                _VAGUE_TIME.match(bare_q) or _SUB_PLACE.match(bare_q)
                or (lang == "en" and (_EN_VAGUE_TIME.match(bare_q) or (_EN_ORDINAL.match(bare_q) and len(prev.q.subjects) < 2)))):
            text = ("Which one do you mean? Please name the place or the year." if lang == "en"
                    else "请问您指的是哪一个（哪个地方或哪一年）？请说出名称或年份。")
            return Resolution(q, q, "clarify", clarification=text)
        unsaid = self._unsaid_reference(q, p, prev, ctx, lang)
        if unsaid is not None:
            return unsaid
        if _ABOUT_ANSWER_ZH.search(bare_q) or (lang == "en" and _ABOUT_ANSWER_EN.match(bare_q)):
            text = ("The reports give the figure, not how it was worked out or checked: the cited passage is where it comes from. "
                    "What would you like to know that the reports say?" if lang == "en"
                    else "文档只给出了这个数字，没有说明它是怎么得出或核实的；出处见上一条回答引用的段落。请问您还想了解文档中的哪方面内容？")
            return Resolution(q, q, "clarify", clarification=text)
        rq = self._recount(q, cur, prev) or self._requantify(q, cur, prev)
        if rq is not None:
            return rq
        frag = _ZH_LEAD.sub("", re.sub(_ZH_TAIL, "", _PUNCT_END.sub("", p.norm))).strip()
        m_ord = _FORMER_LATTER.search(p.norm) if not p.entities else None
        if m_ord and not (_ORDINAL.match(frag) and len(dict.fromkeys(e.text for e in prev.q.subjects)) >= 2):
            # 后者有多少个行政村？ / the latter's area: the second of the two names a recent question joined
            pair = next((c.q for c in reversed(ctx[-self.max_back :]) if len(dict.fromkeys(e.text for e in c.q.subjects)) >= 2), None)
            names = list(dict.fromkeys(e.text for e in pair.subjects)) if pair is not None else []
            if len(names) < 2:
                text = (f"Which one do you mean by “{m_ord.group(0)}”? Please name it." if lang == "en"
                        else f"请问“{m_ord.group(0)}”指的是哪一个？请说出名称。")
                return Resolution(q, q, "clarify", clarification=text)
            former = m_ord.group(0).lower() in ("前者", "the former")
            name = names[0] if former else names[-1]
            if lang == "en" and re.search(r"[\u4e00-\u9fff]", name):
                name = english_name(name)
            head, tail = q[: m_ord.start()] + name, q[m_ord.end() :]
            np_ = _EN_POSSESSED.match(tail[2:]) if lang == "en" and tail[:2] in ("'s", "’s") else None
            if np_:  # the latter's altitude → the altitude of Baima County
                head, tail = q[: m_ord.start()] + f"the {np_.group(1)} of {name}", tail[2 + np_.end(1) :]
            res = self.run(head + tail, history)
            res.question = q
            if res.kind in ("topic_change", "unchanged", "first", "missing_subject"):
                res.kind = "pronoun"
            res.keep = _dedup(res.keep + [name])
            return res
        picked = self._pick_ordinal(q, frag, prev.q) if not p.entities and _ORDINAL.match(frag) else None
        m_among = re.match(r"^(?:那么|那)?(?:其中|这其中|里面|当中)的?", frag)
        if picked is None and m_among and len(p.entities) == 1 and not prons and self._elliptic(p) \
                and p.entities[0].text in [e.text for e in prev.q.subjects]:
            picked = self._pick_ordinal(q, "", prev.q, name=p.entities[0].text)  # 其中格桑县呢？ after 格桑县和白玛县一共…
        if picked is not None:
            return picked
        if not p.entities and (_ORDINAL.match(frag) or (_OTHER.search(p.norm) and (self._elliptic(p) or len(_PUNCT_END.sub("", q)) <= 8))
                               or (lang == "en" and _EN_OTHER.search(p.norm))):
            # 其他县呢？ 另一个呢？: which one is not said
            text = "Which one do you mean? Please name it." if lang == "en" else "请问您指的是哪一个？请说出名称。"
            return Resolution(q, q, "clarify", clarification=text)
        bare = not content and not p.entities and not p.years  # 那个呢？ 为什么？ 它呢？ 该县呢？
        if bare and not prons and not trefs:
            if lang == "zh" and prev.q.topic and re.fullmatch(r"(?:那|那么)?(?:都|分别|具体|各)?(?:是|有|叫)?(?:哪些|哪几个|哪几家|什么)(?:名字|名称)?", frag):
                # 分别是哪些？ after 雅砻州有几个县？: the things just counted, named
                text = f"{prev.q.subject_text()}{prev.q.years_text()}{'的' if prev.q.subject_text() else ''}{prev.q.topic}{_PUNCT_END.sub('', q)}？"
                return Resolution(q, text, "ellipsis", keep=_dedup([prev.q.subject_text(), prev.q.topic]))
            return self._clarify_vague(q, prev, lang)

        # 1. pronouns → their antecedents; 它们/这些/这 → the things the last question counted
        text, keep, kind, src = q, [], None, prev
        if prons or trefs:
            out = self._substitute(q, p, prons, trefs, ctx)
            if isinstance(out, Resolution):
                return out
            text, keep, src = out
            kind = "pronoun"
            cur = _Q(text, self.lexicon, extra)
            p = cur.p
            content = self._content(p)
            if bare and set(keep) <= {e.text for e in prev.q.p.entities}:
                return self._clarify_vague(q, prev, lang)

        # 2. ellipsis: the previous question with its entity, year or asked thing replaced
        if self._elliptic(p) or (not content and (p.entities or p.years)):
            return self._earlier_names(self._ellipsis(q, cur, content, prev, keep, kind), ctx)

        # 3. a question naming nobody borrows the latest subject (its year, and its topic when it names no thing)
        answer_names = {e.text for c in ctx for e in c.answer_entities}
        # 它 → the answer's 卓玛乡 is the question's own subject; the answer's 央金机场 (a facility) still needs its place
        own = [e for e in p.entities if e.text not in answer_names or (e.text in keep and e.kind in ("place", "org"))]
        if not own:
            srcq = next((c.q for c in reversed(ctx[-self.max_back :]) if c.q.p.entities), None)
            if srcq is None:
                return Resolution(q, text, kind or "unchanged", keep=keep)
            subj = srcq.subject_text()
            lead = subj
            keep = keep + [e.text for e in srcq.p.entities]
            effect = lang == "zh" and not kind and srcq is prev.q and _EFFECT_VERB.match(_ZH_LEAD.sub("", p.norm))
            borrowed = ""
            if (self._thin(content) or effect) and not kind and srcq.topic:
                # 安排了多少钱？ / 覆盖了多少户？ after …项目累计分红多少？: what was paid for, or what covered them, is the last topic
                lead = subj + srcq.topic
                keep.append(srcq.topic)
                borrowed = srcq.topic
            text = self._prepend(text, cur, lead)
            if kind != "pronoun" or src is prev:
                text, keep = self._carry_year(text, prev.q, keep)
            res = Resolution(q, text, kind or "missing_subject", keep=_dedup(keep))
            if borrowed and text.count(borrowed) == 1:
                res.notes.append(BORROWED_TOPIC + borrowed)
            return res

        if kind == "pronoun":
            if src is prev:
                text, keep = self._carry_year(text, prev.q, keep)
            return Resolution(q, text, kind, keep=_dedup(keep))
        if lang == "zh" and self._thin(content) and re.search(r"多少|几", p.norm) and _NUMERIC_FRAME.search(prev.q.text) and prev.q.topic \
                and not any(w for w, f in content if f.startswith(_NOUNISH)):
            # 扎西镇种了多少？ after 卓玛乡种植青稞多少亩？: a new name and how much, nothing of its own asked → the last question about it
            return self._earlier_names(self._ellipsis(q, cur, [], prev, keep, "entity_swap"), ctx)
        return Resolution(q, text, "topic_change")

    @staticmethod
    def _en_demonstratives(q: str, prev: str) -> str:
        """``such projects`` → the noun phrase of the last question that ends in that head (poverty-relief consolidation projects).

        >>> FollowUpResolver._en_demonstratives("How many such projects were built?", "How much did Gesang spend on road repair projects?")
        'How many road repair projects were built?'
        """
        def repl(m: re.Match) -> str:
            head = m.group(1).lower()
            if head in _EN_FUNCTION or head in ("year", "years", "one", "ones", "time", "place", "county", "city", "town", "village", "prefecture"):
                return m.group(0)
            stem = re.sub(r"(?:es|s)$", "", head)
            words = re.findall(r"[A-Za-z][\w-]*", prev)
            for k, w in enumerate(words):
                if re.sub(r"(?:es|s)$", "", w.lower()) == stem and len(stem) >= 3:
                    a = k
                    while a > 0 and k - a < 3 and words[a - 1].lower() not in _EN_FUNCTION and words[a - 1].lower() not in _EN_NP_STOP \
                            and not words[a - 1][:1].isupper():
                        a -= 1
                    if a < k:
                        return " ".join(words[a:k]) + " " + m.group(1)
                    return m.group(0)
            return m.group(0)

        return _EN_DEMONSTRATIVE_NP.sub(repl, q)

    @staticmethod
    def _unsaid_reference(q: str, p: Parsed, prev: _Ctx, ctx: list[_Ctx], lang: str) -> Resolution | None:
        """A follow-up pointing at something the history never names is asked back, not guessed.

        A place by where it lies (隔壁县呢？, its neighbour), "another one" with no name (换一个市呢？),
        each of several things after one (它们各自呢？), or a comparison with one thing in sight (哪个更高？).

        >>> r = FollowUpResolver()
        >>> h = [Turn("格桑县的面积是多少？", resolved="格桑县的面积是多少？", answer="812平方千米[1]")]
        >>> r.run("隔壁县呢？", h).kind, r.run("换一个县呢？", h).kind, r.run("哪个更大？", h).kind
        ('clarify', 'clarify', 'clarify')
        >>> r.run("白玛县呢？", h).kind
        'entity_swap'
        """
        if p.entities:
            return None
        norm = p.norm
        bare = _PUNCT_END.sub("", norm).strip()
        m_ratio = _THAT_RATIO.search(norm) or (_EN_THAT_RATIO.search(norm) if lang == "en" else None)
        if m_ratio and not _ASKS_RATIO.search(prev.q.p.norm) and "%" not in (prev.turn.answer or ""):
            # 那个比例是多少？ after a question that counted (多少个行政村): there is no ratio it can mean
            text = (f"The last question asked for no rate or share: which one do you mean by “{m_ratio.group(0)}”? Please name it." if lang == "en"
                    else f"上一个问题问的不是比例，请问“{m_ratio.group(0)}”指的是什么比例？请说出它的名称。")
            return Resolution(q, q, "clarify", clarification=text)
        if _THAT_FIGURE_ONLY.fullmatch(bare) or (lang == "en" and _EN_THAT_FIGURE_ONLY.fullmatch(bare)):
            # 那个数字呢？ / What about that figure?: the last answer's figure again, nothing new asked
            text = ("What would you like to know about that figure? Please ask a complete question." if lang == "en"
                    else "请问您想了解这个数字的什么情况？请把问题说完整一些。")
            return Resolution(q, q, "clarify", clarification=text)
        if _RELATIVE_PLACE.search(norm) or (lang == "en" and _EN_RELATIVE_PLACE.search(norm)):
            text = ("Which place do you mean? The reports name places, not what lies next to them: please name it." if lang == "en"
                    else "请问您指的是哪个地方？文档按名称记述各地，请说出它的名称。")
            return Resolution(q, q, "clarify", clarification=text)
        if _CHANGE_TO_SOME.search(norm) or (lang == "en" and _EN_CHANGE_TO_SOME.search(norm)):
            text = "Which one do you mean? Please name it." if lang == "en" else "请问换成哪一个？请说出名称。"
            return Resolution(q, q, "clarify", clarification=text)
        names = {e.text for c in ctx[-2:] for e in c.q.subjects} | {e.text for c in ctx[-1:] for e in c.answer_entities}
        years = {y.value for y in prev.q.p.years}
        if _EACH.search(norm) and len(names) < 2 and len(years) < 2:
            text = ("Each of which? The last question was about one thing only: please name them." if lang == "en"
                    else "请问“各自”指的是哪几个？上一个问题只问了一个，请说出名称。")
            return Resolution(q, q, "clarify", clarification=text)
        if _WHICH_MORE.search(norm) and len(names) < 2 and len(years) < 2:
            text = ("Which two do you want compared? Please name them (places or years)." if lang == "en"
                    else "请问要比较哪两个？上一个问题只涉及一个，请说出要比较的地方或年份。")
            return Resolution(q, q, "clarify", clarification=text)
        return None

    # ------------------------------------------------------------ context
    def _earlier_names(self, res: Resolution, ctx: list[_Ctx]) -> Resolution:
        """An entity swap no longer asks about the places and organizations named earlier in the conversation either."""
        if res.replaced:
            new = set(res.replacement)
            earlier = [e.text for c in ctx[-self.max_back :] for e in c.q.subjects if e.kind in ("place", "org") and e.text not in new]
            res.replaced = _dedup(res.replaced + earlier)
        return res

    def _contexts(self, history: list[Turn]) -> list[_Ctx]:
        out = []
        for t in history:
            if not t.resolved:
                continue
            pq = _Q(t.resolved, self.lexicon)
            out.append(_Ctx(t, pq, self._answer_entities(pq, t.answer)))
        return out

    def _answer_entities(self, pq: _Q, answer: str | None) -> list[Entity]:
        """``哪个机场？`` answered ``格萨尔机场[1]``: the answer names what the next 它 stands for."""
        if not answer or not _ASKS_WHICH.search(pq.p.norm) or _is_refusal(answer):
            return []  # a refusal names nothing the next 它 can stand for
        ans = re.sub(r"\[\d+\]", "", answer.split("\n")[0]).strip(" 。.，,；;")
        if not ans:
            return []
        subs = list({e.text: e for e in pq.subjects}.values())
        if len(subs) >= 2:
            # 卓玛乡和扎西镇哪个高？: the answer picks one of the two, or it says nothing about which (then 它 stays unclear)
            named = [e for e in subs if e.text in ans or (e.norm and e.norm in to_norm(ans))]
            return named if len(named) == 1 else []
        # the asked noun's head (哪个机场 → 机场) closes the name in the answer
        m = re.search(r"(?:哪个|哪一个|哪家|哪座|哪所|哪条|哪位)([\u4e00-\u9fff]{1,4})", pq.p.norm)
        if m:
            head = m.group(1)[-2:]
            hit = re.search(rf"([\u4e00-\u9fff]{{1,8}}?{re.escape(head)})", ans)
            if hit:
                toks = _cut(hit.group(1))
                # drop leading verbs/adverbs (尽快建成格萨尔机场 → 格萨尔机场)
                while len(toks) > 1 and toks[0][1][:1] in ("v", "d", "p", "c", "u", "r", "m"):
                    toks = toks[1:]
                name = "".join(t[0] for t in toks)
                if len(name) > len(head):
                    return [Entity(name, "name", 0, len(name), norm=name)]
        ents = [e for e in parse(ans, self.lexicon).entities if e.kind in ("place", "org")]
        if ents:
            return ents[:3]
        if 2 <= len(ans) <= 12 and re.fullmatch(r"[\u4e00-\u9fff]+|[A-Z][A-Za-z ]+", ans):
            return [Entity(ans, "name", 0, len(ans), norm=ans)]
        return []

    @staticmethod
    def _history_names(ctx: list[_Ctx]) -> dict[str, str]:
        names: dict[str, str] = {}
        for c in ctx:
            for e in c.q.p.entities + c.answer_entities:
                for part in [e] + e.parts:
                    if re.match(r"^[\u4e00-\u9fff]{2,}$", part.text):
                        names.setdefault(part.text, part.kind)
                        if part.kind == "place" and len(part.text) >= 3 and part.text[-1] in "省市县州区乡镇村旗盟":
                            names.setdefault(part.text[:-1], "place")
        return names

    # ------------------------------------------------------------ analysis
    @staticmethod
    def _content(p: Parsed) -> list[tuple[str, str]]:
        """The (word, POS) of ``p`` that are neither entity, year, pronoun nor function words: the asked thing."""
        spans = _entity_spans(p) + [(y.start, y.end) for y in p.years] + [(x.start, x.end) for x in p.pronouns]
        chars = list(p.norm)
        for i, j in spans:
            for k in range(i, min(j, len(chars))):
                chars[k] = " "
        rest = "".join(chars)
        if p.lang == "en":
            return [(w, "n") for w in re.findall(r"[a-z][a-z\-']*", rest.lower()) if w not in _EN_FUNCTION and len(w) > 1]
        out = []
        for seg in rest.split():
            for w, f, _, _ in _cut(seg):
                if w in _ZH_FUNCTION or f.startswith(_ZH_FUNCTION_FLAGS) or not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", w):
                    continue
                out.append((w, f))
        return out

    @staticmethod
    def _thin(content: list[tuple[str, str]]) -> bool:
        """No word of its own saying what is asked about (安排了多少钱？ 增长了多少？, not 减贫多少人？)."""
        return not any((f.startswith(_NOUNISH) and len(w) >= 2 and w not in _GENERIC_NOUNS)
                       or (f.startswith("v") and len(w) >= 2 and w not in _GENERIC_VERBS) for w, f in content)

    @staticmethod
    def _elliptic(p: Parsed) -> bool:
        """``X呢？`` / ``What about X?``: a fragment that asks nothing by itself."""
        s = _PUNCT_END.sub("", p.norm)
        if p.lang == "en":
            m = _EN_ABOUT.match(s)
            if m:
                return True
            return len(s.split()) <= 4 and not EN_QWORD.search(s)
        m = _ZH_TAIL.search(s)
        body = _ZH_LEAD.sub("", s[: m.start()] if m else s)
        if m:
            return not ZH_QWORD.search(body)
        return False

    def _topic_refs(self, cur: _Q, prev: _Q | None, prons: list[Pronoun]) -> list[tuple[int, int, str]]:
        """Spans that stand for the last question's topic: (start, end, how) with how = "topic" | "noun:<N>"."""
        out: list[tuple[int, int, str]] = []
        if cur.lang == "en":
            for x in prons:
                if x.plural and prev is not None and len(prev.subjects) < 2 and prev.topic:
                    out.append((x.start, x.end, "topic"))
            return out
        norm = cur.p.norm
        toks = cur.toks
        m0 = re.match(r"^(?:那么|那)?(其中|这其中|在这之中|这里面)", norm)
        if m0 and prev is not None and prev.topic:
            out.append((m0.start(1), m0.end(1), "among"))
        for x in prons:
            # 它们 with one subject in sight: the counted things, not the place
            if x.text in ("它们",) and prev is not None and len(prev.p.entities) < 2 and prev.topic:
                out.append((x.start, x.end, "topic"))
            # 其涉及多少人？ opening the question before a verb: they (the counted things), not a place's
            elif x.text == "其" and prev is not None and len(prev.p.entities) < 2 and prev.topic and not norm[: x.start].strip("那么还有，, ") \
                    and any(t[2] == x.end and t[1][:1] == "v" for t in toks):
                out.append((x.start, x.end, "topic"))
        for k, (w, f, i, j) in enumerate(toks):
            if any(i < b and a < j for a, b, _ in out) or any(i < x.end and x.start < j for x in prons):
                continue
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if w in ("这", "那") and nxt is not None and nxt[0] in ("一", "个", "些", "项", "类", "种", "批") and nxt[2] == j:
                w, j = w + nxt[0], nxt[3]  # 这 + 一 + 比例
                nxt = toks[k + 2] if k + 2 < len(toks) else None
            if w in ("这些", "那些", "此", "这", "这样", "这项", "这一") and (nxt is None or nxt[1][:1] in ("v", "d", "p") or nxt[0] in ("都", "共", "一共", "总共")):
                if w in ("这", "此", "这样") and i != 0:
                    continue
                out.append((i, j, "topic"))
            elif w in ("这些", "那些", "这个", "那个", "该", "此", "这一", "上述", "这项", "这类", "这种") and nxt is not None \
                    and prev is not None and prev.topic:
                # 这些 + a noun the last question used (这些卡点 ↔ 交通卡点)
                m = re.match(r"[\u4e00-\u9fff]{2,4}", norm[j:])
                hit = False
                if m:
                    for L in range(len(m.group(0)), 1, -1):
                        if m.group(0)[:L] in prev.p.norm:
                            out.append((i, j + L, f"noun:{m.group(0)[:L]}"))
                            hit = True
                            break
                # 这一比例, 这个数字: the thing the last question asked about
                if not hit and nxt[1].startswith(("n", "vn")) and nxt[2] == j and len(nxt[0]) >= 2:
                    # 这个数字 / 这一比例 stand for what was asked; 那个项目 with no project asked about is not said
                    general = nxt[0] in _GENERIC_NOUNS or nxt[0] in _MEASURE_NOUNS or nxt[0].endswith(("率", "数", "额", "量"))
                    out.append((i, nxt[3], "topic" if general else f"unsaid:{nxt[0]}"))
        return sorted(out)

    # ------------------------------------------------------------ pronouns
    def _antecedent(self, pron: Pronoun, ctx: list[_Ctx]) -> tuple[list[Entity], list[str], _Ctx | None]:
        """(the entities ``pron`` stands for, the candidates when it is ambiguous, the turn they come from)."""
        found = self._antecedent_by(pron, ctx, lambda x: x.fits(pron.need))
        if found[2] is None and pron.need not in ("any", "place", "org", "person"):
            # "this county" after "Daocheng", 该县 after 稻城: a place named without its level fits any level
            found = self._antecedent_by(pron, ctx, lambda x: x.kind in ("place", "name") and not _has_level(x))
        return found

    def _antecedent_by(self, pron: Pronoun, ctx: list[_Ctx], fits) -> tuple[list[Entity], list[str], _Ctx | None]:
        for c in reversed(ctx[-self.max_back :]):
            cands: list[Entity] = []
            for e in c.answer_entities + c.q.p.entities:
                pool = [e] + (e.parts if pron.need not in ("any", "org", "person") else [])
                for x in pool:
                    if fits(x) and x.text not in [y.text for y in cands]:
                        cands.append(x)
                        break
            if c.answer_entities:
                ans = [x for x in cands if x.text in {a.text for a in c.answer_entities}]
                cands = ans or cands
            if not cands:
                continue
            if pron.plural and len(cands) == 1:
                # 这两个县: one here, the other named a turn earlier
                more = [x for c2 in reversed(ctx[-self.max_back :]) if c2 is not c for x in c2.q.p.entities + [y for e in c2.q.p.entities for y in e.parts]
                        if fits(x) and x.text not in [y.text for y in cands]]
                if more:
                    return [more[0]] + cands, [], c
                if _TWO.search(pron.text):
                    return [], [], None  # 这两个县 with one county in sight: which two is not said
            if len(cands) == 1 or pron.plural:
                return cands, [], c
            return [], [x.text for x in cands], c
        return [], [], None

    def _substitute(self, q: str, p: Parsed, prons: list[Pronoun], trefs: list[tuple[int, int, str]], ctx: list[_Ctx]):
        prev = ctx[-1]
        items = [(x.start, x.end, x) for x in prons] + [(a, b, how) for a, b, how in trefs]
        out, pos, keep, src = [], 0, [], None
        for start, end, x in sorted(items, key=lambda t: t[0]):
            if isinstance(x, str) and x.startswith("unsaid:"):
                noun = x[7:]
                said = any(noun in c.q.p.norm or noun in to_norm(c.turn.answer or "") for c in ctx[-self.max_back :])
                if not said:  # 那个项目投入了多少钱？ after a question about relief: which project is not said
                    text = (f"Which {noun} do you mean? Please name it." if p.lang == "en"
                            else f"请问“{q[start:end]}”指的是哪一个？前面没有提到，请说出名称。")
                    return Resolution(q, q, "clarify", clarification=text)
                x = "topic"
            if isinstance(x, str):  # the last question's topic
                rep, words = self._topic_text(prev.q, x, p.lang, with_years=not _own_years(p))
                keep.extend(words)
                src = src or prev
            elif x.text in ("它", "其") and prev.q.topic.endswith(_UNCOUNTED) and _CHANGE_AFTER.match(p.norm[x.end :]):
                # 贫困发生率是多少？ → 它下降了多少？: what falls is the rate, not the place
                rep, words = self._topic_text(prev.q, "topic", p.lang, with_years=not _own_years(p))
                keep.extend(words)
                src = src or prev
            else:
                ents, options, src_ = self._antecedent(x, ctx)
                if options:
                    text = (f"Do you mean {_options_text(options, 'en')} by “{x.text}”?" if p.lang == "en"
                            else f"请问“{x.text}”指的是{_options_text(options, 'zh')}？")
                    return Resolution(q, q, "clarify", clarification=text, options=options)
                if not ents:
                    if _ASKS_WHICH.search(prev.q.p.norm) and not prev.answer_entities:
                        # 哪个县…？ answered with no name (a refusal): 它 stands for the answer, which named nothing
                        return self._clarify_unknown(q, x, p.lang)
                    if prev.q.topic and ((x.text in ("它", "其", "it", "its", "It", "Its") and not any(c.q.p.entities for c in ctx))
                                         or (x.plural and x.need in ("person", "any") and not _TWO.search(x.text)
                                             and (x.need == "any" or _PEOPLE_HEAD.search(prev.q.topic)))):
                        # nothing named: 它 is the thing the last question asked about (贫困发生率 … 它下降了多少？);
                        # 他们 the people it counted (多少名驻村干部 … 他们的经费)
                        # nothing named anywhere: 它 is the thing the last question asked about (贫困发生率 … 它下降了多少？)
                        rep, words = self._topic_text(prev.q, "topic", p.lang, with_years=not p.years)
                        out.append(q[pos:start] + rep)
                        pos = end
                        keep.extend(words)
                        src = src or prev
                        continue
                    return self._clarify_unknown(q, x, p.lang)
                src = src or src_
                name = _join([english_name(e.text) if p.lang == "en" else e.text for e in ents], p.lang)
                if p.lang == "en":
                    low = x.text.lower()
                    rep = f"{name}'s" if low in ("its", "their") else (f"in {name}" if low in ("there", "here") else name)
                    np_ = _EN_POSSESSED.match(q[end:]) if low in ("its", "their") else None
                    if np_ and not any(w.lower().endswith("ed") or w.lower() in _EN_FUNCTION for w in np_.group(1).split()):
                        rep, end = f"the {np_.group(1)} of {name}", end + np_.end(1)  # its area → the area of Daocheng County
                else:
                    rep = name + ("的" if x.possessive and q[x.end : x.end + 1] != "的" else "")
                keep.extend(e.text for e in ents)
            out.append(q[pos:start] + rep)
            pos = end
        out.append(q[pos:])
        return "".join(out), keep, src

    @staticmethod
    def _topic_text(prev: _Q, how: str, lang: str, with_years: bool = True) -> tuple[str, list[str]]:
        subj = prev.subject_text()
        years = prev.years_text() if with_years else ""
        if lang == "en":
            return f"the {prev.topic}" + (f" in {subj}" if subj else ""), [w for w in (subj, prev.topic) if w]
        if how.startswith("noun:"):
            noun = how[5:]
            full = next((prev.text[i:j] for _, _, i, j in prev.runs if noun in prev.p.norm[i:j]), noun)
            return f"{subj}{'的' if subj and not years else ''}{years}{full}", [w for w in (subj, full) if w]
        topic = prev.topic
        if how == "among":  # 其中 … → 稻城县乡镇中 …
            return f"{subj}{years}{topic}中", [w for w in (subj, topic) if w]
        return f"{subj}{years}{topic}", [w for w in (subj, topic) if w]

    def _clarify_unknown(self, q: str, x: Pronoun, lang: str) -> Resolution:
        if lang == "en":
            text = f"What does “{x.text}” refer to? Please name the {_kind_word(x.need, 'en')} and ask again."
        else:
            which = "哪两个" if _TWO.search(x.text) else "哪些" if x.plural else "哪个"
            what = f"{which}{_kind_word(x.need, 'zh')}" if x.need in ("place", "org", "any", "person") else f"{which}{x.need}"
            text = f"请问“{x.text}”指的是{what}？请说出名称后再问一次。"
        return Resolution(q, q, "clarify", clarification=text)

    @staticmethod
    def _clarify_about(q: str, name: str, lang: str) -> Resolution:
        text = (f"What would you like to know about {name}? Please ask a complete question." if lang == "en"
                else f"请问您想了解{name}的什么情况？请把问题说完整一些。")
        return Resolution(q, q, "clarify", clarification=text)

    def _clarify_vague(self, q: str, prev: _Ctx, lang: str) -> Resolution:
        subj = prev.q.subject_text()
        if lang == "en":
            text = f"What would you like to know{' about ' + subj if subj else ''}? Please ask a complete question."
        else:
            text = f"请问您想了解{subj + '的' if subj else ''}哪方面情况？请把问题说完整一些。"
        return Resolution(q, q, "clarify", clarification=text)

    # ------------------------------------------------------------ answering a clarification
    def _answer_to_clarification(self, q: str, p: Parsed, history: list[Turn], extra: dict) -> Resolution | None:
        last = history[-1]
        pick = None
        s = _PUNCT_END.sub("", p.norm)
        ordinals = {"第一个": 0, "前者": 0, "第一": 0, "the first": 0, "first": 0, "the former": 0,
                    "第二个": 1, "后者": 1, "第二": 1, "the second": 1, "second": 1, "the latter": 1, "第三个": 2, "the third": 2}
        for word, i in ordinals.items():
            if s.lower().endswith(word) and len(s) <= len(word) + 6 and i < len(last.options):
                pick = last.options[i]
        if pick is None and p.entities and len(s) <= max(12, len(p.entities[0].text) + 8) and not p.has_qword:
            pick = p.entities[0].text
        if pick is None:
            return None
        pending = parse(last.question, self.lexicon, extra)
        if not pending.pronouns:
            return None
        out, pos = [], 0
        for x in pending.pronouns:
            if pending.lang == "en":
                low = x.text.lower()
                rep = f"{pick}'s" if low in ("its", "their") else (f"in {pick}" if low in ("there", "here") else pick)
            else:
                rep = pick + ("的" if x.possessive and last.question[x.end : x.end + 1] != "的" else "")
            out.append(last.question[pos : x.start] + rep)
            pos = x.end
        out.append(last.question[pos:])
        return Resolution(q, "".join(out), "clarified", keep=[pick])

    # ------------------------------------------------------------ ellipsis
    def _requantify(self, q: str, cur: _Q, prev: _Ctx) -> Resolution | None:
        """``多少人呢？`` ``人数呢？``: the last question asked again in another unit or measure."""
        p = cur.p
        if p.lang != "zh" or p.entities or p.years or p.pronouns:
            return None
        s = _PUNCT_END.sub("", p.norm)
        m = _ZH_TAIL.search(s)
        body = _ZH_LEAD.sub("", s[: m.start()] if m else s).strip()
        mq = _REQUANTIFY.match(body)
        if not (mq or (m and body in _MEASURE_NOUNS)):
            return None
        P = prev.q
        if P.qword is None:
            return None
        qi, qj = P.toks[P.qword][2], P.toks[P.qword][3]
        k = P.qword + 1
        if k < len(P.toks) and (P.toks[k][1] in ("q", "m") or len(P.toks[k][0]) == 1) and re.match(r"[\u4e00-\u9fff]+$", P.toks[k][0]) \
                and P.toks[k][3] - qi <= 6 and not (P.counted and P.toks[k][2] >= P.counted[0]):
            qj = P.toks[k][3]
        new = body if mq else f"{body}是多少"
        c = P.counted
        if c:
            head = re.sub(r"有$", "", P.text[:qi])
            out = head + P.text[c[0] : c[1]] + new + P.text[c[1] :]
        else:
            out = P.text[:qi] + new + P.text[qj:]
        keep = [e.text for e in P.p.entities] + [y.text for y in P.p.years] + ([body] if not mq else [])
        return Resolution(q, out, "ellipsis", keep=_dedup(keep))

    def _recount(self, q: str, cur: _Q, prev: _Ctx) -> Resolution | None:
        """``多少公里公路？`` ``几所卫生院？``: a quantity and a new thing, asked in the last question's frame (its place, year and verb).

        >>> r = FollowUpResolver()
        >>> h = [Turn("格桑县2019年新建了多少座桥梁？", resolved="格桑县2019年新建了多少座桥梁？")]
        >>> r.run("多少公里公路？", h).rewritten, r.run("那几所学校呢？", h).rewritten
        ('格桑县2019年新建了多少公里公路？', '格桑县2019年新建了几所学校？')
        """
        p = cur.p
        if p.lang != "zh" or p.entities or p.years or p.pronouns:
            return None
        s = re.sub(r"(?:呢|的呢)$", "", _ZH_LEAD.sub("", _PUNCT_END.sub("", p.norm)).strip())
        m = _RECOUNT.match(s)
        P = prev.q
        if not m or P.qword is None or not _NUMERIC_FRAME.search(P.text):
            return None
        c = P.counted
        qi = P.toks[P.qword][2]
        if c and P.toks[P.qword][0] in ("多少", "几") or (c and re.match(r"^(?:多少|几)", P.toks[P.qword][0])):
            out = P.text[:qi] + s + P.text[c[1] :]
        else:
            return None
        keep = [e.text for e in P.p.entities] + [y.text for y in P.p.years] + [m.group(2)]
        return Resolution(q, out, "ellipsis", keep=_dedup(keep))

    def _ellipsis(self, q: str, cur: _Q, content: list, prev: _Ctx, keep: list[str], kind: str | None) -> Resolution:
        P = prev.q
        p = cur.p
        new_ents = list(p.entities)
        new_years = list(p.years)
        keep = list(keep)
        years_old: list[str] = []
        years_new: list[str] = []
        topic = self._fragment_topic(cur) if content else ""
        out = P.text
        done = []
        swapped_out: list[str] = []
        # the asked thing, replaced in place where the previous question says it
        if topic:
            replaced = self._replace_topic(P, topic)
            if replaced is None:
                return self._rebuild(q, cur, P, topic, keep, kind)
            out = replaced
            keep.append(topic)
            done.append("ellipsis")
        Pn = _Q(out, self.lexicon) if out != P.text else P
        if new_ents and cur.subject_text() in out and len(new_ents) == len(Pn.p.entities):
            keep.extend(e.text for e in new_ents)  # the same name again (他们的X呢 → 格桑县教育局教师的X): nothing to swap
        elif new_ents:
            persons = [e.kind == "person" for e in Pn.p.entities]
            new_person = new_ents[0].kind == "person"
            if len(new_ents) == 1 and persons and new_ents[0].kind != "name" and \
                    ((new_person and not any(persons)) or (not new_person and all(persons))):
                # 王以志呢？ after 稻城县有多少个行政村？ (a person for a place, or a place for a person): the question does not carry over
                return self._clarify_about(q, cur.subject_text(), cur.lang)
            swapped = self._swap_subject(out, Pn, cur.subject_text(), new_ents[0] if len(new_ents) == 1 else None)
            if swapped is None:
                opts = [e.text for e in Pn.subjects]
                text_ = (f"Which one should {cur.subject_text()} replace: {_options_text(opts, 'en')}?" if Pn.lang == "en"
                         else f"请问要把{_options_text(opts, 'zh')}中的哪一个换成{cur.subject_text()}？")
                return Resolution(q, q, "clarify", clarification=text_, options=opts)
            swapped_out = [e.text for e in Pn.p.entities if e.text not in swapped and e.text not in [n.text for n in new_ents]]
            out = swapped
            keep.extend(e.text for e in new_ents)
            done.append("entity_swap")
            Pn = _Q(out, self.lexicon)
            # 全州 said of the prefecture swapped out is 全县 of the county put in (甘孜州全州… → 稻城县全县…)
            levels = {(n.strip())[-1:] for n in swapped_out if n.strip()[-1:] in "省市县州区乡镇"}
            new_level = (new_ents[0].norm or new_ents[0].text)[-1:] if len(new_ents) == 1 else ""
            old_lv = {_level(Entity(n, "place", 0, len(n))) for n in swapped_out}
            if len(new_ents) == 1 and new_ents[0].kind == "place" and parts_it_lacks(out, _level(new_ents[0])) \
                    and old_lv and all(lv and not parts_it_lacks(P.text, lv) for lv in old_lv):
                # 雅砻州下辖多少个县？ → 格桑县呢？: a county has no counties; what is wanted of it is not said
                part = parts_it_lacks(out, _level(new_ents[0]))
                name = new_ents[0].text
                text_ = (f"{name} has no {part} of its own: what would you like to know about {name}?" if Pn.lang == "en"
                         else f"{name}下面没有{part}：请问您想了解{name}的什么情况？")
                return Resolution(q, q, "clarify", clarification=text_)
            if len(new_ents) == 1:
                old_lv = {_level(Entity(n, "place", 0, len(n))) for n in swapped_out}
                lv_out = _other_level_words(out, {lv for lv in old_lv if lv}, _level(new_ents[0]), new_ents[0].text)
                if lv_out != out:
                    out = lv_out
                    Pn = _Q(out, self.lexicon)
            if levels and new_level in "省市县州区乡镇" and new_level and new_level not in levels:
                out = re.sub(r"全([省市县州区乡镇])", lambda m: "全" + new_level if m.group(1) in levels else m.group(0), out)
                # 州委书记 of the prefecture is the 镇党委书记 of a town, the 县委书记 of a county
                party = new_level + ("党委" if new_level in "乡镇" else "委")
                out = re.sub(r"([省市县州区乡镇])(?:党)?委(?=书记|副书记|常委)", lambda m: party if m.group(1) in levels else m.group(0), out)
                name = new_ents[0].text
                out = out.replace(name + ("委书记" if new_level in "乡镇" else "党委书记"), name + party[1:] + "书记")
                Pn = _Q(out, self.lexicon)
            if not new_years:
                # 2016年以来 / since 2016 is the period the last place's report covers, not part of the question about another
                dropped = _drop_scope_years(out, Pn)
                if dropped != out:
                    out = dropped
                    Pn = _Q(out, self.lexicon)
        else:
            keep.extend(e.text for e in Pn.p.entities)
        if new_years:
            y = new_years[0]
            pys = Pn.p.years
            # a year a comparison is made with (较2014年) stays; the other one is the one asked about
            targets = [py for py in pys if not _BASELINE.search(out[max(0, py.start - 3) : py.start])] or pys
            nums = {py.value for py in targets if py.value.isdigit()}
            off = _relative_offset(y.value)
            if off is None and y.value.lower() in _DEICTIC_YEARS and len(nums) == 1:
                off = _DEICTIC_YEARS[y.value.lower()]  # 2014年 … 去年呢？: the year before the one talked about
            elif off is None and y.value.lower() in _DEICTIC_YEARS and not targets:
                # 去年呢？ after a question naming no year: the reports' "now" is not the user's, which year is not said
                text = (f"Which year do you mean by “{y.text}”? Please give the year." if Pn.lang == "en"
                        else f"请问“{y.text}”指的是哪一年？请说出具体年份。")
                return Resolution(q, q, "clarify", clarification=text)
            if off is not None:  # 前一年呢？ 四年前呢？ → counted from the last question's year
                if len(nums) != 1:
                    return self._clarify_year(q, Pn, y)
                v = str(int(nums.pop()) + off)
                y = type(y)(f"{v}年" if Pn.lang == "zh" else v, v, y.start, y.end)
            if targets:
                if len({py.value for py in targets}) > 1 and not y.is_range:
                    return self._clarify_year(q, Pn, y)
                years_old = [py.value for py in targets if py.value.isdigit() and py.value != y.value]
                years_new = [y.value] if y.value.isdigit() and years_old else []
                pieces, pos = [], 0
                # "And in 2020?" after "… since 2019?": the year asked about, not a period from it
                said_in = Pn.lang == "en" and cur.lang == "en" and re.search(r"\b(?:in|for|during)\s+" + re.escape(y.text), cur.p.norm, re.I)
                for py in targets:
                    head = out[pos : py.start]
                    if said_in:
                        head = re.sub(r"\b(?:since|from|after)\s+$", "in ", head, flags=re.I)
                    pieces.append(head + self._year_like(py, y, Pn.lang))
                    pos = py.end
                pieces.append(out[pos:])
                out = "".join(pieces)
            else:
                m_per = (_EN_PERIOD if Pn.lang == "en" else _ZH_PERIOD).search(out)
                if m_per:  # “十三五”期间 → 2020年呢？: the year asked about takes the period's place, it is not added beside it
                    yt = y.text if Pn.lang == cur.lang else y.value
                    if Pn.lang == "en":
                        yt = yt if re.match(r"(?:since|from|after|before|by|until|in|during)\s", yt, re.I) else f"in {yt}"
                    out = out[: m_per.start()] + yt + out[m_per.end() :]
                else:
                    out = self._insert_year(out, Pn, y.text if Pn.lang == cur.lang else y.value)
            # 2014年贫困发生率下降到多少 → 2010年呢: the other year may be where the fall started; ask its value plainly
            out = _END_POINT.sub("是", out, count=1) if Pn.lang == "zh" else out
            keep.extend(yy.text for yy in new_years if _relative_offset(yy.value) is None and yy.value.lower() not in _DEICTIC_YEARS)
            keep.append(y.text)
            done.append("year_swap")
        else:
            keep.extend(y.text for y in Pn.p.years)
        if not done:
            return Resolution(q, P.text, kind or "ellipsis", keep=_dedup(keep))
        k = "entity_swap" if "entity_swap" in done else "ellipsis" if "ellipsis" in done else "year_swap"
        return Resolution(q, out, kind or k, keep=_dedup(keep), replaced=swapped_out,
                          replacement=[e.text for e in new_ents] if swapped_out else [],
                          years_replaced=_dedup(years_old), years_now=years_new)

    @staticmethod
    def _pick_ordinal(q: str, frag: str, P: "_Q", name: str | None = None) -> Resolution | None:
        """``后者呢？`` after a question about two names joined by 和: the same question about that one alone."""
        subs = P.subjects
        names = list(dict.fromkeys(e.text for e in subs))
        if len(names) < 2 or len(subs) != len(names):
            return None
        between = [P.text[a.end : b.start] for a, b in zip(subs, subs[1:])]
        if not all(re.fullmatch(r"\s*(?:和|与|及|、|以及|跟|同|,|，|and|,\s*and)\s*", g) for g in between):
            return None
        f = re.sub(r"^那|的$", "", frag)
        order = {"前者": 0, "第一个": 0, "第一": 0, "后者": len(names) - 1 if len(names) == 2 else None, "第二个": 1, "第二": 1,
                 "第三个": 2, "第三": 2, "最后一个": len(names) - 1}
        i = names.index(name) if name in names else order.get(f)
        if i is None or i >= len(names):
            return None
        rest = re.sub(r"分别|各自|一共|总共|合计|共(?=有)", "", re.sub(r"^(\s*(?:(?:19|20)\d{2}年\S{0,2}?)?)各(?=[有是为新建完实])", r"\1", P.text[subs[-1].end :]), count=1)
        out = P.text[: subs[0].start] + names[i] + rest
        return Resolution(q, out, "entity_swap", keep=[names[i]] + [y.text for y in P.p.years])

    @staticmethod
    def _clarify_year(q: str, Pn: "_Q", y) -> Resolution:
        """A relative year (前一年, the year before) that cannot be counted from the last question's year is asked back.

        >>> FollowUpResolver._clarify_year("前一年呢？", _Q("格桑县新建桥梁多少座？", None), _Q("前一年呢？", None).p.years[0]).clarification
        '上一个问题没有说年份，请问“前一年”是哪一年？请说出具体年份。'
        """
        opts = list(dict.fromkeys(py.text for py in Pn.p.years))
        if not opts:  # 前一年呢？ after a question naming no year: the year before which is not said
            text = (f"The previous question names no year: which year do you mean by “{y.text}”? Please give the year."
                    if not re.search(r"[\u4e00-\u9fff]", q)
                    else f"上一个问题没有说年份，请问“{y.text}”是哪一年？请说出具体年份。")
            return Resolution(q, q, "clarify", clarification=text)
        text = (f"The previous question names {_join(opts, 'en')}: which year should {y.text} replace?" if Pn.lang == "en"
                else f"上一个问题涉及{'、'.join(opts)}，请问要把哪一年换成{y.text}？")
        return Resolution(q, q, "clarify", clarification=text, options=opts)

    @staticmethod
    def _year_like(old, new, lang: str) -> str:
        """The new year written the way the old one was (2014年以来 → 2019年以来)."""
        if not new.value[:1].isdigit() or not old.value[:1].isdigit():
            return new.text
        if old.is_range or new.is_range or re.sub(r"^\d{4}\s*年?", "", new.text):  # 2019年底: the new shape says more
            return new.text
        return old.text.replace(old.value, new.value, 1)

    @staticmethod
    def _fragment_topic(cur: _Q) -> str:
        """The asked thing of an elliptic fragment: 贫困人口 in 那2019年的贫困人口呢？"""
        p = cur.p
        s = _PUNCT_END.sub("", p.norm)
        if p.lang == "en":
            m = _EN_ABOUT.match(s)
            body = (m.group(1) or m.group(2)) if m else s
            for e in p.entities:
                body = body.replace(e.norm or e.text, " ")
            body = re.sub(r"(?:^|(?<=\s))['’]s\b|\b(?:its|their)\b", " ", body, flags=re.I)
            for y in p.years:
                body = body.replace(y.text, " ")
            body = re.sub(r"^\s*how\s+(?:many|much)\s+", "", body, flags=re.I)
            # a time phrase around the year says when, not what: "at the end of 2019", "as of 2020"
            body = re.sub(r"\b(?:(?:at|by|until|till)\s+the\s+(?:end|beginning|start|middle)\s+of|(?:at|by)\s+(?:the\s+)?(?:end|start)\s+of|as\s+of|since|until|before|after|during)\b",
                          " ", body, flags=re.I)
            body = re.sub(r"\b(?:in|for|of|the|a|an|and|about|at|by)\b", " ", body, flags=re.I)
            return re.sub(r"\s+", " ", body).strip(" ,?")
        chars = list(s)
        for a, b in _entity_spans(p) + [(y.start, y.end) for y in p.years]:
            for k in range(a, min(b, len(chars))):
                chars[k] = " "
        body = "".join(chars).rstrip()
        body = re.sub(r"(?<=\s)(?:和|与|及|、|以及|跟|同|，|,)(?=\s)", " ", body)  # 格桑县和白玛县的面积: 和 joined the names
        m = _ZH_TAIL.search(body)
        if m:
            body = body[: m.start()]
        body = _ZH_LEAD.sub("", body.strip())
        body = re.sub(r"^的+|(?:的|情况|方面)+$", "", body.strip()).strip()  # not 年: 年平均气温
        body = re.sub(r"\s+", "", body).lstrip("的")
        # back to the script the user wrote
        i = p.text.find(body) if body else -1
        return body if i < 0 else p.text[i : i + len(body)]

    def _replace_topic(self, P: _Q, topic: str) -> str | None:
        """``P`` with its asked thing replaced by ``topic`` (城镇居民 for 农村居民, 已完成投资 for 总投资), or None."""
        if P.lang == "en":
            t = P.topic
            if re.search(r"\b(?:rate|ratio|share|percentage|proportion|area|altitude|elevation|income|gdp|output|growth)\b", topic, re.I):
                return None  # measured, not counted: "how many" does not take it
            if re.match(r"^\s*how\s+many\b", P.text, re.I) and not re.search(r"(?:[^s]s|people|children|staff|personnel)$", topic.strip(), re.I):
                return None  # "how many" counts plurals: "population" is asked as a thing of its own
            if t:
                i = P.text.find(t)
                return P.text[:i] + topic + P.text[i + len(t) :]
            return None
        old = P.topic
        if old and len(old) >= 2 and re.search(re.escape(old) + r"(?:的|之)", topic):
            return None  # 教师的平均年龄: a property of the thing asked about, not another thing in its place
        ttoks = _cut(topic)
        head = ttoks[-1][0] if ttoks else topic
        # 1. a word of the previous question with the same head (农村居民 ↔ 城镇居民, 总投资 ↔ 已完成投资)
        for k, (w, f, i, j) in enumerate(P.toks):
            if not P._free(i, j) or not re.search(r"[\u4e00-\u9fff]", w):
                continue
            common = _common_suffix(w, head)
            if common >= 2 and w != topic:
                a = k
                while a > 0 and P.toks[a - 1][1][:1] in ("b",) and P._free(P.toks[a - 1][2], P.toks[a - 1][3]):
                    a -= 1
                i0 = P.toks[a][2]
                if P.text[i0:j] == topic:
                    return None
                return P.text[:i0] + topic + P.text[j:]
        # 2. what it counted (多少户 建档立卡贫困户 → 多少 人均增收), or the thing just before the question word
        c = P.counted
        if c:
            i, j = c
            # 多少钱: nothing to put a new thing in place of; 多少户贫困户 → a rate is not counted in households
            if P.text[i:j] in _GENERIC_NOUNS or topic.endswith(_UNCOUNTED):
                return None
            # the measure word belonged to the old thing: 多少户X → 多少X
            head_end = P.toks[P.qword][3]
            # a year between the question word and the old thing stays, before the question word: 多少 quantifies the noun
            # right after it (清理了多少个2014年以来已竣工的X → 清理了2014年以来的多少Y)
            ys = [P.text[y.start : y.end] for y in P.p.years if head_end <= y.start and y.end <= i]
            # 多少个贫困村 → 贫困户: households are counted in 户 (多少户建档立卡贫困户)
            clf = topic[-1] if topic[-1:] in "户人名家所座" and P.text[head_end : head_end + 1] != topic[-1] else ""
            if ys:
                qi = P.toks[P.qword][2]
                return P.text[:qi] + "".join(ys) + "的" + P.text[qi:head_end] + clf + topic + P.text[j:]
            gap = [t for t in P.toks if head_end <= t[2] and t[3] <= i]
            if any(f[:1] == "v" for _, f, _, _ in gap):
                # 投入多少亿元用于教育 → 医疗: the verb (and the sum before it) say how it is asked, they stay (多少亿元用于医疗)
                return P.text[:i] + topic + P.text[j:]
            if not clf and to_norm(P.text[head_end:i]) == "个" and topic not in _GENERIC_NOUNS and topic[-1:] not in _NOT_BY_GE \
                    and not topic.endswith(tuple(_MEASURE_NOUNS) + ("人口",)) and (_cut(to_norm(topic)) or [("", "", 0, 0)])[-1][1] in ("n", "nz", "ng", "nt", "ns"):
                # 个 is the general measure word, it counts any thing (多少个职能小组 → 多少个项目); people, households and sums
                # are not counted in 个 (多少个村 → 多少贫困人口), nor is an activity (多少个医疗队 → 多少大病集中救治: its head is a verb)
                clf = P.text[head_end:i]
            return P.text[:head_end] + clf + topic + P.text[j:]
        b = P.before
        if b:
            i, j = b
            gap = [t for t in P.toks if i < t[2] and t[3] <= P.toks[P.qword][2] and t[2] >= j]
            measured = bool(re.match(r"^(?:多少|几)(?:[个名户人座所家条项亩位只头台辆套间处块张批]|" + _UNITS + ")", P.toks[P.qword][0] + _next_tok(P)))
            if measured and any(f.startswith("v") for _, f, _, _ in gap):
                return None  # 贫困户 已脱贫 多少户: the question counts households, not the new thing
            if any(f.startswith("v") and w not in _CHANGE_VERBS | _HAVE_VERBS for w, f, _, _ in gap) or (_next_tok(P) and not measured and P.counted is None
                                                                                          and P.toks[P.qword + 1][1].startswith("n")):
                return None  # 饮水工程点 2020年安排了 多少钱: the new thing was not what was paid for
            out = P.text[:i] + topic + P.text[j:]
            if measured:  # 贫困村多少个 → 贫困户多少: the measure word belonged to the old thing
                qi, qj = P.toks[P.qword][2], P.toks[P.qword][3]
                word = P.text[qi:qj]
                nxt = _next_tok(P)
                shift = len(topic) - (j - i)
                if len(word) > 2 and word[:2] in ("多少",) or (len(word) == 2 and word[0] == "几"):
                    cut = (qi + shift + (2 if word.startswith("多少") else 1), qj + shift)
                elif nxt and (len(nxt) == 1 or re.fullmatch(_UNITS, nxt)):  # 海拔多少米 → 平均气温多少: the unit was the old thing's
                    cut = (qj + shift, qj + shift + len(nxt))
                else:
                    cut = None
                if cut and out[cut[0] : cut[1]] not in ("次", "遍", "回", "趟"):
                    out = out[: cut[0]] + out[cut[1] :]
            return out
        return None

    def _rebuild(self, q: str, cur: _Q, P: _Q, topic: str, keep: list[str], kind: str | None) -> Resolution:
        subj = cur.subject_text() or P.subject_text()
        years = cur.p.years or P.p.years
        year = years[0].text if years and len({y.value for y in years}) == 1 else ""
        keep = keep + [subj, year, topic]
        if P.lang == "en" or cur.lang == "en":
            yr = f" in {re.sub(r'年.*$', '', year)}" if year else ""
            rewritten = f"What is the {topic}{' of ' + subj if subj else ''}{yr}?"
        else:
            lead = f"{subj}{year}"
            rewritten = f"{lead}{'的' if lead and '的' not in topic else ''}{topic}{_zh_frame(P.text)}？"
        return Resolution(q, rewritten, kind or "ellipsis", keep=_dedup(keep))

    @staticmethod
    def _swap_subject(text: str, P: _Q, new: str, new_ent: Entity | None = None) -> str | None:
        subs = P.p.entities
        if not subs:
            return FollowUpResolver._prepend(text, P, new)
        if new_ent is not None and new_ent.kind == "person":
            subs = [e for e in subs if e.kind == "person"] or subs
        elif new_ent is not None:
            subs = [e for e in subs if e.kind != "person"] or subs
        if len(subs) == 1:
            e = subs[0]
            m = re.match(r"^(.+?\b(?:County|City|Prefecture|Township|Town|Village|District|Province))\s+\S", e.text)
            if m and new_ent is not None and new_ent.kind == "place" and re.search(r"[A-Za-z]", new_ent.text):
                # the Gesang County Education Bureau + Baima County → the Baima County Education Bureau
                return text[: e.start] + new + text[e.start + len(m.group(1)) :]
            if e.parts and new_ent is not None and not new_ent.parts:
                # 理塘县教育局 + 卫健委 → 理塘县卫健委; 甘孜州稻城县 + 理塘县 → 甘孜州理塘县
                same = [x for x in e.parts if x.kind == new_ent.kind and (x.kind != "place" or (x.norm or x.text)[-1:] == (new_ent.norm or new_ent.text)[-1:])]
                if same:
                    x = same[-1]
                    return text[: x.start] + new + text[x.end :]
            return text[: e.start] + new + text[e.end :]
        between = [text[a.end : b.start] for a, b in zip(subs, subs[1:])]
        if all(re.fullmatch(r"\s*(?:和|与|及|、|以及|跟|同|的|,|，|and|,\s*and)\s*", g) for g in between):
            return text[: subs[0].start] + new + text[subs[-1].end :]
        if len(subs) == 2 and new_ent is not None and new_ent.kind == "place" and all(e.kind == "place" for e in subs) \
                and re.fullmatch(r"\s*(?:in|of|within|under|,)\s*", between[0], re.I):
            # Heping Village in Xiaozhongdian Town + Tacheng Town → Tacheng Town; + Yangdu Village → Yangdu Village in Xiaozhongdian Town
            inner, outer = subs
            if _level(new_ent) and _level(new_ent) == _level(inner) and _level(inner) != _level(outer):
                return text[: inner.start] + new + text[inner.end :]
            return text[: inner.start] + new + text[outer.end :]
        return None

    @staticmethod
    def _prepend(text: str, cur: _Q, subj: str) -> str:
        if cur.lang == "en":
            s = text.rstrip()
            qm = "?" if s.endswith("?") else ""
            body = s[:-1] if qm else s
            m = re.search(r"\bin\s+\d{4}\b", body)
            if m:
                return body[: m.start()] + f"in {subj} " + body[m.start() :] + (qm or "?")
            return f"{body} in {subj}{qm or '?'}"
        lead = _ZH_LEAD.match(text)
        i = lead.end() if lead and not re.match(r"截至|截止|到", lead.group(0)) else 0  # 截至2019年底… says when: the name goes first
        rest = text[i:]
        toks = _cut(to_norm(rest)) if rest else []
        glue = ""
        if toks and toks[0][1].startswith(("n", "vn", "an")) and not rest.startswith(("全县", "全市", "全州", "全区", "全乡", "全镇", "全省")):
            glue = "的"
        return text[:i] + subj + glue + rest

    def _carry_year(self, text: str, prevq: _Q, keep: list[str]) -> tuple[str, list[str]]:
        # a year the last question only compared with (跟2014年相比, 比2014年, compared with 2014) was not its time: nothing to carry
        if not self.carry_year or not prevq.p.years or not _own_years(prevq.p):
            return text, keep
        cur = _Q(text, self.lexicon)
        if cur.p.years:
            return text, keep
        if all(re.search(r"(?:以来|至今)$", y.text) for y in prevq.p.years) and not any(
                f.startswith("v") and w not in ("有", "是", "为", "共有", "现有", "拥有") and cur._free(i, j) for w, f, i, j in cur.toks):
            return text, keep  # 2016年以来 scopes what was done, not what there is (党员致富带头人有多少？)
        ytext = prevq.years_text()
        if cur.lang == "en" and prevq.lang != "en":
            ytext = prevq.p.years[0].value
        elif cur.lang == "en":
            # "since 2016" scopes the last question: the year keeps its preposition
            y0 = prevq.p.years[0]
            m = re.search(r"\b(since|from|after|before|by|until|during)\s+$", prevq.text[: y0.start], re.I)
            if m:
                ytext = f"{m.group(1).lower()} {ytext}"
        if cur.lang == "zh":
            # after the name just put in (卓玛乡 + 政府驻地: a new parse may cut the name as 卓玛 | 乡政府)
            names = sorted((w for w in keep if w and w in text and not any(ch.isdigit() for ch in w)), key=len, reverse=True)
            ents = [e.text for e in cur.p.entities]
            if names and names[0] not in ents:
                i = text.find(names[0]) + len(names[0])
                if not any(e.start < i < e.end for e in cur.p.entities):
                    return text[:i] + ytext + text[i:], keep + [ytext]
        return self._insert_year(text, cur, ytext), keep + [ytext]

    @staticmethod
    def _insert_year(text: str, cur: _Q, ytext: str) -> str:
        if cur.lang == "en":
            s = text.rstrip()
            qm = "?" if s.endswith("?") else ""
            prep = "" if re.match(r"(?:since|from|after|before|by|until|in|during)\s", ytext, re.I) else "in "
            return f"{s[:-1] if qm else s} {prep}{ytext}{qm or '?'}"
        ents = cur.p.entities
        if ents:
            i = max(e.end for e in ents if e.start <= ents[0].end + 12) if len(ents) > 1 else ents[0].end
            if text[i : i + 1] == "的":  # 稻城县的面积 → 稻城县2014年的面积
                return text[:i] + ytext + text[i:]
            return text[:i] + ytext + text[i:]
        lead = _ZH_LEAD.match(text)
        i = lead.end() if lead else 0
        return text[:i] + ytext + text[i:]


def _drop_scope_years(text: str, P: "_Q") -> str:
    """``text`` without the years that scope a period (2016年以来, 2014年至今, since 2016).

    >>> _drop_scope_years("2016年以来白玛县退出了多少个贫困村？", _Q("2016年以来白玛县退出了多少个贫困村？", None))
    '白玛县退出了多少个贫困村？'
    """
    out = text
    if P.lang == "en":
        return re.sub(r"\s*\bsince\s+(?:1[89]|20)\d{2}\b", "", out, flags=re.I)
    for y in sorted(P.p.years, key=lambda y: -y.start):
        if re.search(r"(?:以来|至今)$", y.text) and not y.is_range:
            j = y.end + (1 if out[y.end : y.end + 1] in ("的", "，", ",") else 0)
            out = out[: y.start] + out[j:]
    return out


def _entity_spans(p: Parsed) -> list[tuple[int, int]]:
    """The spans of ``p``'s names, each with a 全州 / 全县 right after it (雅砻州全州呢？ asks about the prefecture as a whole, nothing else).

    >>> from rag.entities import parse
    >>> p = parse("那雅砻州全州呢？", extra={"雅砻州": "place"})
    >>> [p.norm[a:b] for a, b in _entity_spans(p)]
    ['雅砻州全州']
    """
    out = []
    for e in p.entities:
        end = e.end
        m = re.match(r"全([省市县州区乡镇村旗盟])", p.norm[end:])
        if m and p.lang == "zh":
            end += m.end()
        out.append((e.start, end))
    return out


_WITH_BEFORE = re.compile(r"(?:跟|与|和|同)\s*$")
_COMPARED_AFTER = re.compile(r"^\s*(?:相比|比较|对比|相较|比)")
_EN_BASELINE = re.compile(r"\b(?:compared\s+(?:with|to)|than(?:\s+in)?|relative\s+to|versus|vs\.?|over)\s+$", re.I)


def _own_years(p: Parsed) -> list:
    """The years a question asks about; not one it compares with (这比2019年少了多少？ still asks about the last year).

    A year compared with is said 较/比/相比 2014年, 跟/与 2014年相比, *compared with 2014*, *than in 2014*:

    >>> from rag.entities import parse
    >>> [[y.text for y in _own_years(parse(q))] for q in ("跟2014年相比，格桑县旅游人次涨了多少？", "格桑县收入比2014年增长多少？",
    ...                                                   "By how much did tourism grow compared with 2014?", "格桑县2019年收入多少？")]
    [[], [], [], ['2019年']]
    """
    out = []
    for y in p.years:
        before, after = p.norm[max(0, y.start - 14) : y.start], p.norm[y.end : y.end + 3]
        if _BASELINE.search(before[-3:]) or (_WITH_BEFORE.search(before[-2:]) and _COMPARED_AFTER.match(after)) \
                or (p.lang == "en" and _EN_BASELINE.search(before)):
            continue
        out.append(y)
    return out


def _level(e: Entity) -> str:
    """The level word a place name ends in: Town, County (English), 镇, 县 (Chinese); "" when it has none."""
    t = (e.norm or e.text).strip()
    m = re.search(r"\b(County|City|Prefecture|Township|Town|Village|District|Province|Region)$", t)
    if m:
        return m.group(1)
    return t[-1:] if t[-1:] in "省市县州区乡镇村" else ""


# a period said by name, not by its years: “十三五”期间, 近五年来, 脱贫攻坚以来 / during the 13th Five-Year Plan, over the past five years
_ZH_PERIOD = re.compile(r"[“\"]?十[一二三四五六七八九]五[”\"]?(?:规划)?(?:期间|时期|以来)?|近[一二三四五六七八九十\d]+年(?:来|以来)?|(?<![\d年])[一二三四五六七八九十]+年(?:来|以来)"
                        r"|(?:近年来|多年来|脱贫攻坚以来|脱贫攻坚期间)")
_EN_PERIOD = re.compile(r"\b(?:during|in|over|under)\s+the\s+(?:\d+(?:st|nd|rd|th)|thirteenth|fourteenth|twelfth)\s+Five-Year\s+Plan(?:\s+period)?"
                        r"|\b(?:over|in|during)\s+the\s+(?:past|last)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\s+years|\bin\s+recent\s+years", re.I)
# the seat of a place of one level (县城 the county town, 州府 the prefecture's seat): (words, the level they belong to)
_SEAT_WORDS = (("县城", "县"), ("县政府所在地", "县"), ("州府所在地", "州"), ("州府", "州"), ("首府", "州"), ("市区", "市"),
               ("市政府所在地", "市"), ("镇区", "镇"), ("集镇", "镇"), ("镇政府所在地", "镇"), ("乡政府所在地", "乡"))
_LEVEL_RANK = {"省": 5, "Province": 5, "Region": 5, "州": 4, "Prefecture": 4, "市": 4, "City": 4, "县": 3, "County": 3, "区": 3,
               "District": 3, "旗": 3, "乡": 2, "镇": 2, "Town": 2, "Township": 2, "村": 1, "Village": 1}
_EN_SEAT = re.compile(r"\b(?:the\s+)?(county|prefecture|city|town|township)\s+(?:seat|town)\s+of\s+(?=\S)", re.I)
_EN_OFFICE = re.compile(r"\b(county|prefecture|city|town|township)\s+(?=(?:party\s+)?(?:secretary|head|mayor|magistrate|government|chief|leader)\b)", re.I)
_EN_SEAT_LEVEL = {"county": "County", "prefecture": "Prefecture", "city": "City", "town": "Town", "township": "Township"}


def _other_level_words(text: str, old_levels: set[str], new_level: str, new_name: str) -> str:
    """After a swap to a place of another level, the words that belong to the old level go with it.

    A seat word of the old level right after the new name (县城 the county town, 州府所在地, "the county
    seat of") is dropped: the question is now about the new place itself; 各县 / 各乡镇 (each of the
    parts) of a level the new place is not above are dropped too (a county has no 各县).

    >>> _other_level_words("雅砻州县城海拔多高？", {"县"}, "州", "雅砻州")
    '雅砻州海拔多高？'
    >>> _other_level_words("格桑县州府所在地海拔多高？", {"州"}, "县", "格桑县")
    '格桑县海拔多高？'
    >>> _other_level_words("格桑县各县共有多少个贫困村？", {"州"}, "县", "格桑县")
    '格桑县共有多少个贫困村？'
    >>> _other_level_words("白玛县县城海拔多高？", {"县"}, "县", "白玛县")
    '白玛县县城海拔多高？'
    >>> _other_level_words("How high is the county seat of Yalong Prefecture?", {"County"}, "Prefecture", "Yalong Prefecture")
    'How high is Yalong Prefecture?'
    >>> _other_level_words("Who is the county party secretary of Yalong Prefecture?", {"County"}, "Prefecture", "Yalong Prefecture")
    'Who is the prefecture party secretary of Yalong Prefecture?'
    """
    if not old_levels or not new_level or new_level in old_levels:
        return text
    if re.search(r"[A-Za-z]", new_name) and not re.search(r"[\u4e00-\u9fff]", text):
        def en_seat(m: re.Match) -> str:
            lv = _EN_SEAT_LEVEL[m.group(1).lower()]
            return "" if lv in old_levels and lv != new_level else m.group(0)
        out = _EN_SEAT.sub(en_seat, text)

        def en_office(m: re.Match) -> str:  # the county party secretary of a prefecture is its prefecture party secretary
            lv = _EN_SEAT_LEVEL[m.group(1).lower()]
            return new_level.lower() + " " if lv in old_levels and lv != new_level else m.group(0)
        return _EN_OFFICE.sub(en_office, out)
    i = text.find(new_name)
    if i < 0:
        return text
    j = i + len(new_name)
    rest = text[j:]
    for word, lv in _SEAT_WORDS:
        m = re.match(r"(?:的)?" + word + r"(?:的)?", rest)
        if m and lv in old_levels and lv != new_level:
            rest = rest[m.end() :]
            break
    rank = _LEVEL_RANK.get(new_level)
    if rank is not None:
        # 各县 / 18个县 / 所辖各乡镇 right after the new name: parts it does not have
        m = re.match(r"(?:的)?(?:所辖|下辖|辖区内)?的?(?:各|[0-9一二两三四五六七八九十]+个)(乡镇|县区|县市|县|市|州|区|乡|镇|村)(?![\u4e00-\u9fff]?[城委长])", rest)
        if m and min(_LEVEL_RANK.get(ch, 0) for ch in m.group(1)) >= rank:
            rest = rest[m.end() :]
    if len(new_level) == 1:
        # 县长 / 县政府 of the county swapped out is the 州长 / 州政府 of the prefecture put in
        m = re.match(r"(?:的)?([省市县州区乡镇])(?=副?长|人民政府|政府|人大|政协)", rest)
        if m and m.group(1) in old_levels:
            rest = rest[: m.start(1)] + new_level + rest[m.end(1) :]
    return text[:j] + rest


def parts_it_lacks(text: str, new_level: str) -> str | None:
    """The level word a question counts (多少个县, how many counties) when the place it asks about is not above that level.

    雅砻州下辖多少个县？ swapped to a county asks for counties inside a county: there are none, and the
    question does not carry over (it is asked back instead).

    >>> parts_it_lacks("格桑县下辖多少个县？", "县"), parts_it_lacks("雅砻州下辖多少个县？", "州"), parts_it_lacks("达瓦镇有多少个乡镇？", "镇")
    ('县', None, '乡镇')
    >>> parts_it_lacks("格桑县有多少个行政村？", "县"), parts_it_lacks("How many counties does Gesang County have?", "County")
    (None, 'counties')
    """
    rank = _LEVEL_RANK.get(new_level)
    if rank is None:
        return None
    m = re.search(r"(?:多少|几)个(乡镇|县区|县市|县|市|州|乡|镇)(?![\u4e00-\u9fff])", text)
    if m and min(_LEVEL_RANK.get(ch, 0) for ch in m.group(1)) >= rank:
        return m.group(1)
    m = re.search(r"\bhow\s+many\s+(counties|prefectures|cities|towns|townships)\b", text, re.I)
    en = {"counties": "County", "prefectures": "Prefecture", "cities": "City", "towns": "Town", "townships": "Township"}
    if m and _LEVEL_RANK[en[m.group(1).lower()]] >= rank:
        return m.group(1)
    return None


def _has_level(e: Entity) -> bool:
    """Whether a place name says its level (稻城县, Daocheng County), so that only a pronoun of that level fits it."""
    t = e.norm or e.text
    if re.search(r"[A-Za-z]", t):
        return bool(re.search(r"\b(?:County|City|Prefecture|Township|Town|Village|District|Province|Region)\b", t, re.I))
    return t[-1:] in "省市县州区乡镇村旗盟"


def _next_tok(P: "_Q") -> str:
    k = (P.qword or 0) + 1
    return P.toks[k][0] if k < len(P.toks) else ""


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


_NAME_FRAGMENT = re.compile(r"^(?:那么|那|还有|换成|改成)?(?![那这])((?:(?![的之和与及])[\u4e00-\u9fff]){3,6})(?:呢|怎么样|又如何)[\s？?。!！]*$")


def _whole_name(p: Parsed, lexicon: Lexicon | None) -> tuple[str, str] | None:
    """``X呢？`` where the names found cover only part of X: X as a whole is the name (a person's, unless a part says otherwise).

    jieba cuts names it does not know into pieces and tags a piece as a place or a person (扎 | 西平 | 措,
    七 | 林追玛); a follow-up fragment that is nothing but a name is that whole name. A fragment ending in
    a place, organization or facility word (乡镇卫生院呢？) is a thing, not a name, and is left alone.

    >>> from rag.entities import parse
    >>> _whole_name(parse("扎西平措呢？"), None), _whole_name(parse("那七林追玛呢？"), None)
    (('扎西平措', 'person'), ('七林追玛', 'person'))
    >>> _whole_name(parse("王以志呢？"), None), _whole_name(parse("乡镇卫生院呢？"), None), _whole_name(parse("贫困人口呢？"), None)
    (None, None, None)
    """
    from .entities import AUTONOMOUS, FACILITY_SUFFIXES, ORG_SUFFIXES, PLACE_SUFFIX

    if p.lang != "zh" or not p.entities or p.years or p.pronouns:
        return None
    m = _NAME_FRAGMENT.match(p.norm)
    if not m:
        return None
    x, a, b = m.group(1), m.start(1), m.end(1)
    if x[-1] in PLACE_SUFFIX or x.endswith(ORG_SUFFIXES + FACILITY_SUFFIXES + AUTONOMOUS) or re.search(r"[院局站所校委办厅部中心会队社]$", x):
        return None
    if lexicon is not None and lexicon.kind(x):
        return x, lexicon.kind(x) or "name"
    ents = [e for e in p.entities if a <= e.start and e.end <= b]
    if not ents or len(ents) != len(p.entities) or (len(ents) == 1 and ents[0].start == a and ents[0].end == b):
        return None
    if any(e.kind == "org" or (e.kind == "place" and e.text[-1:] in PLACE_SUFFIX) for e in ents):
        return None  # 白玛县情况呢？: a whole place name inside is that place, with words after it
    covered = sum(e.end - e.start for e in ents)
    if len(x) - covered > 2:
        return None  # a name cut into pieces leaves a character or two over, not a word
    return x, "person" if len(x) <= 4 and any(e.kind in ("person", "name", "place") for e in ents) else "name"


def in_script_of(typed: str, text: str) -> str:
    """``text`` (a rewrite built from earlier turns) in the Chinese script of what the user just typed.

    A follow-up typed in simplified characters after a question in traditional ones (稻城县呢？ after
    報告中的縣轄多少個鄉鎮？) is a simplified question, and the other way round; a turn whose characters
    are the same in both scripts (2018年呢？, English) says nothing and leaves ``text`` as it is.

    >>> in_script_of("白玛县呢？", "白玛县轄多少個鄉鎮？"), in_script_of("白瑪縣呢？", "白玛县辖多少个乡镇？")
    ('白玛县辖多少个乡镇？', '白瑪縣轄多少個鄉鎮？')
    >>> in_script_of("2018年呢？", "格桑縣2018年有多少戶？"), in_script_of("What about Baima?", "How many 鄉鎮?")
    ('格桑縣2018年有多少戶？', 'How many 鄉鎮?')
    """
    from .normalize import to_simplified, to_traditional

    if not re.search(r"[\u4e00-\u9fff]", typed or "") or not re.search(r"[\u4e00-\u9fff]", text or ""):
        return text
    simp, trad = to_simplified(typed), to_traditional(typed)
    if simp != typed and trad == typed:
        return to_traditional(text)
    if trad != typed and simp == typed:
        return to_simplified(text)
    return text


def _is_refusal(answer: str) -> bool:
    """Whether an earlier reply is the answerer's refusal (it names no answer, whatever words follow it).

    >>> _is_refusal("文档中没有找到能回答这个问题的内容。（引用的段落说的是格桑县）"), _is_refusal("格桑县[1]")
    (True, False)
    """
    from .answering import REFUSAL_EN, REFUSAL_ZH, REFUSAL_ZH_HANT

    a = (answer or "").strip()
    return any(a.startswith(r.rstrip("。.")) for r in (REFUSAL_ZH, REFUSAL_ZH_HANT, REFUSAL_EN))


def to_norm(text: str) -> str:
    from .normalize import nfkc, to_simplified

    s = to_simplified(nfkc(text))
    return s if len(s) == len(text) else text
