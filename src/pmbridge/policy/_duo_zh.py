"""Chinese labels of the DUO terms a portal shows, written for PM Bridge (DUO ships none).

Not yet reviewed by a Chinese-speaking data steward: labels served from here say so
(``DuoLabel.reviewed`` is False). Wording follows common Chinese biobank and ethics usage.
"""

from __future__ import annotations

from typing import Final

DUO_LABELS_ZH: Final[dict[str, str]] = {
    "DUO:0000001": "数据使用许可",
    "DUO:0000004": "无限制",
    "DUO:0000006": "健康、医学或生物医学研究",
    "DUO:0000007": "特定疾病研究",
    "DUO:0000011": "仅限人群起源或祖源研究",
    "DUO:0000012": "限特定研究类型",
    "DUO:0000015": "不得用于一般方法学研究",
    "DUO:0000016": "仅限遗传学研究",
    "DUO:0000017": "数据使用附加条件",
    "DUO:0000018": "仅限非营利组织的非商业用途",
    "DUO:0000019": "须公开发表研究结果",
    "DUO:0000020": "须与原研究者合作",
    "DUO:0000021": "须经伦理审查批准",
    "DUO:0000022": "地域限制",
    "DUO:0000024": "发表禁止期",
    "DUO:0000025": "使用期限",
    "DUO:0000026": "限特定用户使用",
    "DUO:0000027": "限特定项目使用",
    "DUO:0000028": "限特定机构使用",
    "DUO:0000029": "须将衍生数据返还数据库或资源方",
    "DUO:0000031": "方法开发",
    "DUO:0000032": "人群研究",
    "DUO:0000033": "祖源研究",
    "DUO:0000034": "年龄类别研究",
    "DUO:0000035": "性别类别研究",
    "DUO:0000036": "研究对照",
    "DUO:0000037": "生物医学研究",
    "DUO:0000038": "遗传学研究",
    "DUO:0000039": "药物开发研究",
    "DUO:0000040": "疾病类别研究",
    "DUO:0000042": "一般研究用途",
    "DUO:0000043": "临床诊疗用途",
    "DUO:0000044": "禁止人群起源或祖源研究",
    "DUO:0000045": "仅限非营利组织使用",
    "DUO:0000046": "仅限非商业用途",
}
