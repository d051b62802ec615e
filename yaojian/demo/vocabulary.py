"""Words the generator draws on: products, dosage forms, name endings per kind of enterprise."""

from __future__ import annotations

from yaojian.registry.choices import EnterpriseKind

# (generic name, dosage form, specification, sterile, essential drug)
DRUGS: list[tuple[str, str, str, bool, bool]] = [
    ("阿莫西林胶囊", "胶囊剂", "0.25g×24粒", False, True),
    ("头孢呋辛酯片", "片剂", "0.25g×12片", False, True),
    ("注射用头孢曲松钠", "注射剂", "1.0g", True, True),
    ("左氧氟沙星片", "片剂", "0.5g×6片", False, True),
    ("盐酸二甲双胍片", "片剂", "0.5g×60片", False, True),
    ("格列美脲片", "片剂", "2mg×30片", False, True),
    ("硝苯地平控释片", "片剂", "30mg×7片", False, True),
    ("苯磺酸氨氯地平片", "片剂", "5mg×28片", False, True),
    ("缬沙坦胶囊", "胶囊剂", "80mg×14粒", False, True),
    ("阿托伐他汀钙片", "片剂", "20mg×7片", False, True),
    ("瑞舒伐他汀钙片", "片剂", "10mg×28片", False, False),
    ("氯吡格雷片", "片剂", "75mg×7片", False, True),
    ("阿司匹林肠溶片", "片剂", "100mg×30片", False, True),
    ("奥美拉唑肠溶胶囊", "胶囊剂", "20mg×14粒", False, True),
    ("注射用泮托拉唑钠", "注射剂", "40mg", True, False),
    ("布洛芬缓释胶囊", "胶囊剂", "0.3g×20粒", False, True),
    ("对乙酰氨基酚片", "片剂", "0.5g×12片", False, True),
    ("氯化钠注射液", "注射剂", "0.9%×250ml", True, True),
    ("葡萄糖注射液", "注射剂", "5%×500ml", True, True),
    ("甲钴胺片", "片剂", "0.5mg×20片", False, False),
    ("孟鲁司特钠片", "片剂", "10mg×5片", False, False),
    ("氨溴索口服溶液", "口服溶液剂", "100ml", False, True),
    ("蒙脱石散", "散剂", "3g×10袋", False, True),
    ("恩替卡韦片", "片剂", "0.5mg×7片", False, True),
    ("替诺福韦二吡呋酯片", "片剂", "300mg×30片", False, True),
    ("注射用紫杉醇", "注射剂", "30mg", True, True),
    ("吉非替尼片", "片剂", "0.25g×10片", False, True),
    ("甲硝唑氯化钠注射液", "注射剂", "0.5g:100ml", True, True),
    ("利巴韦林颗粒", "颗粒剂", "50mg×18袋", False, False),
    ("维生素C片", "片剂", "0.1g×100片", False, True),
]
TCM_DRUGS: list[tuple[str, str, str, bool, bool]] = [
    ("连花清瘟胶囊", "胶囊剂", "0.35g×24粒", False, True),
    ("复方丹参滴丸", "滴丸剂", "27mg×180丸", False, True),
    ("板蓝根颗粒", "颗粒剂", "10g×20袋", False, True),
    ("六味地黄丸", "丸剂", "200丸", False, True),
    ("藿香正气水", "酊剂", "10ml×10支", False, True),
    ("银黄颗粒", "颗粒剂", "4g×12袋", False, False),
    ("杭白菊颗粒", "颗粒剂", "10g×10袋", False, False),
    ("铁皮石斛颗粒", "颗粒剂", "3g×10袋", False, False),
]
BIOLOGICS: list[tuple[str, str, str, bool, bool, str]] = [
    # name, form, spec, sterile, essential, special flag
    ("乙型肝炎疫苗（重组酵母）", "注射剂", "10μg/0.5ml", True, True, "vaccine"),
    ("流感病毒裂解疫苗", "注射剂", "0.5ml", True, False, "vaccine"),
    ("狂犬病疫苗（Vero细胞）", "注射剂", "0.5ml", True, True, "vaccine"),
    ("人血白蛋白", "注射剂", "10g/50ml", True, True, "blood"),
    ("静注人免疫球蛋白（pH4）", "注射剂", "2.5g", True, True, "blood"),
    ("重组人胰岛素注射液", "注射剂", "3ml:300IU", True, True, ""),
]
CONTROLLED: list[tuple[str, str, str, bool, bool, str]] = [
    ("盐酸吗啡缓释片", "片剂", "30mg×10片", False, True, "narcotic"),
    ("枸橼酸芬太尼注射液", "注射剂", "0.1mg:2ml", True, True, "narcotic"),
    ("地西泮片", "片剂", "2.5mg×20片", False, True, "psychotropic"),
    ("艾司唑仑片", "片剂", "1mg×20片", False, True, "psychotropic"),
    ("氟[18F]脱氧葡糖注射液", "注射剂", "370MBq", True, False, "radio"),
    ("硫酸阿托品注射液", "注射剂", "0.5mg:1ml", True, True, "toxic"),
    ("注射用A型肉毒毒素", "注射剂", "100U", True, False, "toxic"),
    ("盐酸麻黄碱注射液", "注射剂", "30mg:1ml", True, True, "precursor"),
]
DEVICES: list[tuple[str, int, str, bool, bool]] = [
    # name, class, category code (2 digits), implantable, sterile
    ("医用外科口罩", 2, "14", False, True),
    ("一次性使用无菌注射器", 3, "14", False, True),
    ("一次性使用输液器", 3, "14", False, True),
    ("医用电子体温计", 2, "07", False, False),
    ("电子血压计", 2, "07", False, False),
    ("血糖仪", 2, "22", False, False),
    ("冠状动脉药物洗脱支架", 3, "13", True, True),
    ("人工髋关节假体", 3, "13", True, True),
    ("人工晶状体", 3, "16", True, True),
    ("医用超声耦合剂", 2, "06", False, False),
    ("医用脱脂棉", 1, "14", False, False),
    ("医用检查手套", 1, "14", False, False),
    ("牙科种植体", 3, "17", True, True),
    ("新型冠状病毒抗原检测试剂盒", 3, "40", False, False),
]
COSMETICS: list[tuple[str, bool, bool, bool]] = [
    # name, special use, children, whitening
    ("保湿修护面霜", False, False, False),
    ("氨基酸洁面乳", False, False, False),
    ("烟酰胺美白精华液", True, False, True),
    ("防晒乳SPF50+", True, False, False),
    ("染发霜（自然黑）", True, False, False),
    ("儿童润肤霜", False, True, False),
    ("婴幼儿洗发沐浴露", False, True, False),
    ("控油洗发水", False, False, False),
    ("祛斑霜", True, False, True),
    ("舒缓保湿面膜", False, False, False),
]

NAME_ENDINGS: dict[EnterpriseKind, list[str]] = {
    EnterpriseKind.DRUG_MANUFACTURER: [
        "制药有限公司",
        "药业股份有限公司",
        "药业有限公司",
        "生物医药有限公司",
    ],
    EnterpriseKind.DRUG_WHOLESALER: ["医药有限公司", "医药药材有限公司", "医药股份有限公司"],
    EnterpriseKind.RETAIL_CHAIN: ["大药房连锁有限公司", "医药连锁有限公司"],
    EnterpriseKind.RETAIL_PHARMACY: ["大药房", "药店", "大药房有限公司", "堂药店"],
    EnterpriseKind.MEDICAL_INSTITUTION: ["诊所", "门诊部", "社区卫生服务站", "医院", "口腔诊所"],
    EnterpriseKind.VACCINATION_SITE: ["社区卫生服务中心预防接种门诊", "卫生院预防接种门诊"],
    EnterpriseKind.DEVICE_MANUFACTURER: [
        "医疗器械有限公司",
        "医疗科技有限公司",
        "生物科技有限公司",
    ],
    EnterpriseKind.DEVICE_DISTRIBUTOR: ["医疗器械有限公司", "医疗设备有限公司", "医药科技有限公司"],
    EnterpriseKind.COSMETICS_MANUFACTURER: [
        "化妆品有限公司",
        "日用化工有限公司",
        "生物科技有限公司",
    ],
    EnterpriseKind.ECOMMERCE_PLATFORM: ["网络科技有限公司", "电子商务有限公司"],
}
