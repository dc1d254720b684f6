"""The national default inspection checklist: items by WS/T 821—2023 dimension plus fire and food
safety, each with its legal basis and severity (sources: ``shared/design/domain.md``, "Standards an
institution is checked against"). Pure data. A district's first checklist version is a copy of this
table (``services.inspections.checklist_ensure``); a district adapts its copy as new versions.

Bump ``NATIONAL_VERSION`` when the table changes: districts keep their copies (an inspection keeps
the version it used) and see which national version theirs was based on.
"""

from __future__ import annotations

NATIONAL_VERSION = "2026.1"
NAME = "托育机构监督检查清单（国家默认）"

SZBZ = "《托育机构设置标准（试行）》（国卫人口发〔2019〕58号）"
GLGF = "《托育机构管理规范（试行）》（国卫人口发〔2019〕58号）"
BAFF = "《托育机构登记和备案办法（试行）》（国卫办人口发〔2019〕25号）"
WSBJ = "《托幼机构卫生保健管理办法》（卫生部令第76号）"
PGBZ = "WS/T 821—2023《托育机构质量评估标准》"
XFF = "《中华人民共和国消防法》"
SPF = "《中华人民共和国食品安全法》"

# (code, dimension, text, basis, severity)
ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    ("conditions.filed", "conditions", "已办理备案，备案信息与实际一致（名称、地址、负责人、服务类型、托位数）", f"{BAFF}第七条至第十条", "major"),
    ("conditions.premises", "conditions", "场地产权或租期不少于 3 年，用途与备案一致", f"{BAFF}第七条", "major"),
    ("conditions.class_size", "conditions", "各班人数不超过标准（乳儿班 10、托小班 15、托大班 20、混龄班 18）", f"{SZBZ}第十条", "major"),
    ("conditions.age", "conditions", "不收托 6 个月以下或 36 个月及以上婴幼儿", SZBZ, "major"),
    ("staff.ratio", "staff", "保育人员与婴幼儿比例符合标准（1:3、1:5、1:7，混龄按地方规定）", f"{SZBZ}第十一条", "critical"),
    ("staff.qualifications", "staff", "保育人员、保健人员持有相应资格证书", f"{SZBZ}第十二条", "major"),
    ("staff.health_certificates", "staff", "全部工作人员上岗前及每 12 个月取得健康合格证明", f"{WSBJ}第十三条", "critical"),
    ("staff.criminal_record", "staff", "全部工作人员无犯罪记录证明在有效期内，无从业禁止情形", GLGF, "critical"),
    ("staff.principal", "staff", "负责人具有大专以上学历和 3 年以上相关工作经历", f"{SZBZ}第十二条", "minor"),
    ("care.daily_routine", "care", "一日生活安排合理，每日户外活动不少于 2 小时", f"{GLGF}第十六条", "minor"),
    ("care.records", "care", "保育照护记录完整（饮食、睡眠、如厕、活动）", f"{PGBZ} 保育照护", "minor"),
    ("health.staff", "health", "按规模配备保健人员（收托 150 人以上至少 1 名专职）", f"{SZBZ}第十二条", "major"),
    ("health.checks", "health", "婴幼儿入托体检、离托 3 个月以上返托复检", f"{WSBJ}第十五条", "major"),
    ("health.hygiene", "health", "环境、玩具、餐具清洁消毒符合要求并有记录", f"{WSBJ}第十六条", "major"),
    ("health.infection", "health", "传染病晨午检、登记报告制度落实", f"{WSBJ}第十七条", "critical"),
    ("parenting.communication", "parenting", "定期与家长沟通，开放家长参与渠道", f"{PGBZ} 养育支持", "minor"),
    ("parenting.publicity", "parenting", "公示收费项目、服务内容、膳食、卫生保健和安全保卫安排", GLGF, "minor"),
    ("safety.cctv", "safety", "婴幼儿活动区域视频监控全覆盖，录像保存不少于 90 日", f"{GLGF}第二十六条", "critical"),
    ("safety.guard", "safety", "配备持证保安人员，出入口管理和接送交接制度落实", f"{SZBZ}第十二条", "major"),
    ("safety.abuse", "safety", "无虐待、伤害婴幼儿行为，发现后立即报告", GLGF, "critical"),
    ("safety.emergency", "safety", "制定突发事件应急预案并定期演练", f"{GLGF}第二十五条", "major"),
    ("management.rules", "management", "建立健全各项管理制度并落实", f"{GLGF}第二章", "minor"),
    ("management.annual_report", "management", "每年年底向卫生健康部门报告工作", f"{GLGF}", "minor"),
    ("management.files", "management", "婴幼儿和工作人员档案齐全", f"{PGBZ} 机构管理", "minor"),
    ("fire.certificate", "fire", "消防验收或备案手续齐全，消防设施完好有效", f"{XFF}第十五条", "critical"),
    ("fire.exits", "fire", "疏散通道、安全出口畅通，应急照明和疏散指示完好", f"{XFF}第二十八条", "critical"),
    ("fire.drills", "fire", "定期开展消防安全检查和疏散演练", XFF, "major"),
    ("food.licence", "food", "提供餐食的持有食品经营许可证", f"{SPF}第三十五条；{BAFF}第七条", "critical"),
    ("food.samples", "food", "食品留样 48 小时以上，餐具消毒，炊事人员持健康证明", SPF, "major"),
)
