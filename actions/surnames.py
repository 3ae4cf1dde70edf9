"""Chinese surnames (百家姓 and common modern ones) and everyday words that look like names.

A bare two-to-five-character reply is taken for a name only if it starts with a surname here
and is not one of `NOT_NAMES`: otherwise "好的", "谢谢" or an insult typed where the form asks
for the registered name would cost the visitor a check (actions/normalize.py: normalize_name).
"""

# 百家姓, in its order, then common surnames it lacks.
SINGLE_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫"
    "乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂"
    "濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘"
    "匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相"
    "查后荆红游竺权逯盖益桓公"
    "闫肖付覃冼佘练岳帅况涂鄢牟佟商钦楚晋归揭粟蔺谌仝买"
)
COMPOUND_SURNAMES = frozenset(
    (
        "万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 单于"
        " 太叔 申屠 公孙 仲孙 轩辕 令狐 钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 子车 颛孙"
        " 端木 巫马 公西 漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁 段干 百里 东郭 南门 呼延 羊舌 微生"
        " 梁丘 左丘 东门 西门 南宫 第五"
    ).split()
)

# Everyday replies that start with a surname character; never a name in this dialogue.
NOT_NAMES = frozenset(
    (
        "谢谢 谢了 谢谢你 谢谢您 谢谢啦 多谢 明白 明白了 明天 明白啦 那个 那好 那行 "
        "那就 那算了 都是 都不是 都可以 都行 都对 马上 高兴 方便 查询 查一下 查查 "
        "查账户 应该 余额 时间 关于 万一 全部 安全 平时 东西 和您 向您 成功 成了 "
        "好了 可以 没问题 知道 知道了 收到 欧了 高手 程序 项目 文明 文字 国家 公司 "
        "公平 公正 江湖 常常 经常 时候 于是 于是乎 宁可 甘心 吉利 能否 能不能 从来 "
        "从前 刘海 边上 通过 通知 温馨 司机 东北 卫生 金额 金钱 包括 计划 管理 曾经 "
        "满意 满意了 白白 白白咯 白白啦"
    ).split()
)
