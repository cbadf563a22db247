"""The layer registry: one declarative spec per layer.

The map, the validators, the import page, the exports and the README's data dictionary all
iterate over :data:`LAYERS`; adding a layer is adding one :class:`LayerSpec`.

Columns marked ``confidential`` never reach investor views or investor exports. Columns not
declared in a spec are treated as confidential too (whitelist, not blacklist).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from geo.efficiency_catalog import SCALES as _EFFICIENCY_SCALES

ColumnType = Literal["str", "int", "float", "date", "list", "bool"]
GeometryKind = Literal["polygon", "point", "any", "none"]
"""``any``: points, lines and polygons mixed in one layer (context, facilities)."""


@dataclass(frozen=True)
class Column:
    """One canonical column of a layer.

    Parameters
    ----------
    name : canonical English snake_case name.
    type : value type after validation; ``list`` is stored as comma-separated text.
    zh, en : labels for the UI and the README's data dictionary.
    required : must be present in every input file (derived columns are never required).
    derived : computed by InvestMap (e.g. ``area_mu``); input values are replaced.
    allowed : closed set of allowed values (for ``list`` columns: allowed items).
    confidential : never shown to investors nor written into investor exports.
    aliases : other headers accepted on input (Chinese headers, common variants).
    minimum : smallest allowed numeric value.
    """

    name: str
    type: ColumnType
    zh: str
    en: str
    required: bool = False
    derived: bool = False
    allowed: tuple[str, ...] | None = None
    confidential: bool = False
    aliases: tuple[str, ...] = ()
    minimum: float | None = None


@dataclass(frozen=True)
class LayerSpec:
    """Declarative description of one layer: columns, geometry, confidentiality and style."""

    name: str
    zh: str
    en: str
    id_column: str
    geometry: GeometryKind
    columns: tuple[Column, ...]
    style: Mapping[str, object] = field(default_factory=dict)
    geometry_optional_when: str | None = None

    def column(self, name: str) -> Column:
        """Return the column spec called ``name`` or raise ``KeyError`` listing valid names."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"layer {self.name!r} has no column {name!r}; columns: {self.column_names}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required and not c.derived]

    @property
    def confidential_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.confidential]

    @property
    def public_columns(self) -> list[str]:
        """Declared, non-confidential columns: the only ones investor views may show."""
        return [c.name for c in self.columns if not c.confidential]

    @property
    def has_geometry(self) -> bool:
        return self.geometry != "none"


# -- code lists ---------------------------------------------------------------------------

PARK_LEVELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "national": ("国家级", "National"),
        "provincial": ("省级", "Provincial"),
        "city": ("市级", "City"),
        "county": ("县级", "County"),
    }
)

PARCEL_STATUSES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "reserve": ("储备", "Reserve"),
        "available": ("可供应", "Available"),
        "reserved": ("意向/洽谈", "Reserved (negotiating)"),
        "transferred": ("已出让", "Transferred"),
        "under_construction": ("在建", "Under construction"),
        "producing": ("已投产", "In production"),
    }
)
"""Typed parcel statuses (shared/domain.md §5). 闲置 idle is derived, never typed in."""

PROJECT_STAGES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "pipeline": ("在谈", "In talks"),
        "signed": ("已签约", "Signed"),
        "started": ("已开工", "Started"),
        "completed": ("已竣工", "Completed"),
        "producing": ("已投产", "Producing"),
        "stalled": ("停滞", "Stalled"),
        "lost": ("流失", "Lost"),
    }
)

LAND_USES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "1001": ("工业用地", "Industrial"),
        "100101": ("一类工业用地", "Industrial, class 1"),
        "100102": ("二类工业用地", "Industrial, class 2"),
        "100103": ("三类工业用地", "Industrial, class 3"),
        "1002": ("采矿用地", "Mining"),
        "1101": ("物流仓储用地", "Logistics and warehousing"),
        "110101": ("一类物流仓储用地", "Logistics, class 1"),
        "110102": ("二类物流仓储用地", "Logistics, class 2"),
        "0901": ("商业用地", "Commercial"),
        "0902": ("商务金融用地", "Business and finance"),
        "0701": ("城镇住宅用地", "Urban residential"),
        "0801": ("机关团体用地", "Public administration"),
        "1301": ("供水用地", "Water supply"),
        "1303": ("供电用地", "Power supply"),
    }
)
"""国土空间调查、规划、用途管制用地用海分类 codes used by parcels."""

UTILITIES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "road": ("通路", "Road"),
        "power": ("通电", "Power"),
        "water": ("通给水", "Water supply"),
        "drainage": ("通排水", "Drainage"),
        "telecom": ("通讯", "Telecom"),
        "gas": ("通燃气", "Gas"),
        "heat": ("通热力", "Heating"),
        "levelled": ("场地平整", "Site levelled"),
    }
)
"""七通一平 flags: seven connections plus a levelled site."""

BUILTIN_REDLINE_CATEGORIES: tuple[str, ...] = (
    "eco_redline",
    "basic_farmland",
    "urban_boundary",
    "landuse_redline",
)
"""Red-line categories every policy declares; a policy may add more (flood zones …)."""

FACILITY_KINDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "interchange": ("高速互通", "Highway interchange"),
        "rail_yard": ("铁路货场", "Rail freight yard"),
        "port": ("港口码头", "Port"),
        "airport": ("机场", "Airport"),
        "substation": ("变电站", "Substation"),
        "water_plant": ("自来水厂", "Water plant"),
        "sewage_plant": ("污水处理厂", "Sewage plant"),
        "gas_station": ("燃气门站", "Gas station"),
    }
)
"""Location facts investors ask first: the kinds of the ``facility`` layer."""

CONTEXT_KINDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "county_boundary": ("县界", "County boundary"),
        "town": ("城镇", "Town"),
        "road": ("主要道路", "Main road"),
        "river": ("河流", "River"),
        "railway": ("铁路", "Railway"),
        "water": ("水面", "Water body"),
    }
)
"""Kinds of the ``context`` layer: what a map without tiles needs to show where things are."""

LEAD_STAGES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "lead": ("线索", "Lead"),
        "contacted": ("接洽", "Contacted"),
        "visited": ("考察", "Visited"),
        "negotiating": ("谈判", "Negotiating"),
        "signed": ("签约", "Signed"),
        "lost": ("流失", "Lost"),
    }
)
"""Stages of a lead (shared/domain.md §9): 线索 → 接洽 → 考察 → 谈判 → 签约, or 流失 (with a
reason)."""

LEAD_SOURCES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "inquiry": ("在线意向", "Online inquiry"),
        "visit": ("来访", "Visit"),
        "fair": ("展会/推介会", "Fair"),
        "referral": ("推荐/以商招商", "Referral"),
        "target": ("目标企业库", "Target library"),
    }
)

SCALES = _EFFICIENCY_SCALES
"""Enterprise scales 规上/规下, defined with the 亩均 groups in ``geo.efficiency_catalog``."""


def _codes(table: Mapping[str, tuple[str, str]]) -> tuple[str, ...]:
    return tuple(table)


# -- specs --------------------------------------------------------------------------------

PARK = LayerSpec(
    name="park",
    zh="园区",
    en="Industrial park",
    id_column="park_id",
    geometry="polygon",
    columns=(
        Column("park_id", "str", "园区编号", "Park ID", required=True,
               aliases=("园区编号", "编号")),
        Column("name", "str", "园区名称", "Name", required=True, aliases=("园区名称", "名称")),
        Column("name_en", "str", "英文名称", "English name", aliases=("英文名称",)),
        Column("level", "str", "园区级别", "Level", required=True,
               allowed=_codes(PARK_LEVELS), aliases=("级别", "园区级别")),
        Column("leading_industries", "list", "主导产业", "Leading industries", required=True,
               aliases=("主导产业",)),
        Column("area_mu", "float", "面积(亩)", "Area (mu)", derived=True),
        Column("address", "str", "地址", "Address", aliases=("地址",)),
        Column("address_en", "str", "英文地址", "Address (English)", aliases=("英文地址",)),
        Column("contact", "str", "招商联系方式", "Investment contact", aliases=("联系方式",)),
        Column("description", "str", "园区简介", "Description", aliases=("简介",)),
        Column("description_en", "str", "英文简介", "Description (English)"),
        Column("notes", "str", "内部备注", "Internal notes", confidential=True,
               aliases=("备注", "内部备注")),
    ),
    style={"color": "#1f4e9c", "fill_color": "#6f9ce0", "fill_opacity": 0.12, "weight": 2},
)

PARCEL = LayerSpec(
    name="parcel",
    zh="地块",
    en="Parcel",
    id_column="parcel_id",
    geometry="polygon",
    columns=(
        Column("parcel_id", "str", "地块编号", "Parcel ID", required=True,
               aliases=("地块编号", "编号")),
        Column("park_id", "str", "所属园区", "Park", derived=False, aliases=("所属园区",)),
        Column("land_use", "str", "用地性质", "Land use", required=True,
               allowed=_codes(LAND_USES), aliases=("用地性质", "地类编码", "用途")),
        Column("status", "str", "供地状态", "Status", required=True,
               allowed=_codes(PARCEL_STATUSES), aliases=("状态", "供地状态")),
        Column("area_mu", "float", "面积(亩)", "Area (mu)", derived=True),
        Column("area_official_mu", "float", "官方面积(亩)", "Official area (mu)", derived=True),
        Column("far_min", "float", "容积率下限", "FAR min", minimum=0, aliases=("容积率下限",)),
        Column("far_max", "float", "容积率上限", "FAR max", minimum=0, aliases=("容积率上限",)),
        Column("price_wan_per_mu", "float", "出让底价(万元/亩)", "Price (10k CNY/mu)", minimum=0,
               aliases=("出让价格", "地价")),
        Column("investment_min_wan_per_mu", "float", "投资强度(万元/亩)",
               "Min. investment (10k CNY/mu)", minimum=0, aliases=("投资强度",)),
        Column("tax_min_wan_per_mu", "float", "亩均税收承诺(万元/亩)",
               "Min. tax (10k CNY/mu)", minimum=0, aliases=("亩均税收要求",)),
        Column("transfer_date", "date", "出让日期", "Transfer date", aliases=("出让日期",)),
        Column("agreed_start_date", "date", "约定开工日期", "Agreed start date",
               aliases=("约定开工日期",)),
        Column("actual_start_date", "date", "实际开工日期", "Actual start date",
               aliases=("实际开工日期",), confidential=True),
        Column("developed_share", "float", "已开发比例", "Share developed", minimum=0,
               confidential=True),
        Column("invested_share", "float", "已投资比例", "Share invested", minimum=0,
               confidential=True),
        Column("stopped_since", "date", "停工日期", "Work stopped since", confidential=True),
        Column("utilities", "list", "七通一平", "Utilities", allowed=_codes(UTILITIES),
               aliases=("七通一平", "配套")),
        Column("enterprise_id", "str", "用地企业", "Enterprise", confidential=True,
               aliases=("企业编号",)),
        Column("notes", "str", "内部备注", "Internal notes", confidential=True,
               aliases=("备注",)),
    ),
    style={
        "by": "status",
        "colors": {
            "reserve": "#b0b0b0",
            "available": "#2ca02c",
            "reserved": "#ffbf00",
            "transferred": "#1f77b4",
            "under_construction": "#9467bd",
            "producing": "#8c564b",
        },
        "fill_opacity": 0.55,
        "weight": 1,
    },
)

PROJECT = LayerSpec(
    name="project",
    zh="项目",
    en="Project",
    id_column="project_id",
    geometry="point",
    geometry_optional_when="parcel_id",
    columns=(
        Column("project_id", "str", "项目编号", "Project ID", required=True,
               aliases=("项目编号", "编号")),
        Column("name", "str", "项目名称", "Name", required=True, aliases=("项目名称", "名称")),
        Column("enterprise_id", "str", "企业编号", "Enterprise", aliases=("企业编号",)),
        Column("industry_code", "str", "行业代码", "Industry code (GB/T 4754)",
               aliases=("行业代码", "国民经济行业代码")),
        Column("chain_id", "str", "产业链", "Chain", aliases=("产业链",)),
        Column("segment_id", "str", "产业链环节", "Chain segment", aliases=("环节", "产业链环节")),
        Column("stage", "str", "项目阶段", "Stage", required=True,
               allowed=_codes(PROJECT_STAGES), aliases=("阶段", "项目阶段", "进度")),
        Column("investment_wan", "float", "投资额(万元)", "Investment (10k CNY)", minimum=0,
               aliases=("投资额(万元)", "投资额", "总投资(万元)", "总投资")),
        Column("signed_date", "date", "签约日期", "Signed", aliases=("签约日期", "签约时间")),
        Column("planned_start_date", "date", "计划开工日期", "Planned start",
               aliases=("计划开工日期",)),
        Column("start_date", "date", "开工日期", "Started", aliases=("开工日期", "开工时间")),
        Column("planned_completion_date", "date", "计划竣工日期", "Planned completion",
               aliases=("计划竣工日期",)),
        Column("completion_date", "date", "竣工日期", "Completed", aliases=("竣工日期",)),
        Column("parcel_id", "str", "地块编号", "Parcel", aliases=("地块编号",)),
        Column("park_id", "str", "所属园区", "Park", aliases=("所属园区",)),
        Column("owner", "str", "责任人", "Responsible officer", confidential=True,
               aliases=("责任人", "责任单位")),
        Column("notes", "str", "内部备注", "Internal notes", confidential=True,
               aliases=("备注",)),
        Column("lead_id", "str", "来源线索", "From lead", aliases=("线索编号",)),
    ),
    style={
        "by": "stage",
        "colors": {
            "pipeline": "#17becf",
            "signed": "#1f77b4",
            "started": "#ff7f0e",
            "completed": "#9467bd",
            "producing": "#2ca02c",
            "stalled": "#d62728",
            "lost": "#7f7f7f",
        },
        "radius": 6,
    },
)

REDLINE = LayerSpec(
    name="redline",
    zh="管控红线",
    en="Red line",
    id_column="redline_id",
    geometry="polygon",
    columns=(
        Column("redline_id", "str", "红线编号", "Red-line ID", required=True,
               aliases=("编号", "红线编号")),
        Column("category", "str", "红线类别", "Category", required=True,
               aliases=("类别", "红线类别")),
        Column("name", "str", "名称", "Name", aliases=("名称",)),
        Column("parcel_id", "str", "所属地块", "Own parcel (for a plot's red line)",
               aliases=("地块编号",)),
    ),
    style={
        "by": "category",
        "colors": {
            "eco_redline": "#2e7d32",
            "basic_farmland": "#f9a825",
            "urban_boundary": "#c62828",
            "landuse_redline": "#ad1457",
        },
        "fill_opacity": 0.15,
        "weight": 2,
        "dash": {"urban_boundary": "8 6"},
    },
)

ENTERPRISE = LayerSpec(
    name="enterprise",
    zh="企业",
    en="Enterprise",
    id_column="enterprise_id",
    geometry="none",
    columns=(
        Column("enterprise_id", "str", "企业编号", "Enterprise ID", required=True,
               aliases=("企业编号", "统一社会信用代码")),
        Column("name", "str", "企业名称", "Name", required=True, aliases=("企业名称", "名称")),
        Column("scale", "str", "规模", "Scale", required=True, allowed=_codes(SCALES),
               aliases=("规模", "规上规下")),
        Column("park_id", "str", "所属园区", "Park", aliases=("所属园区",)),
        Column("industry_code", "str", "行业代码", "Industry code (GB/T 4754)",
               aliases=("行业代码",)),
        Column("segment_id", "str", "产业链环节", "Chain segment", aliases=("环节",)),
        Column("land_mu", "float", "用地面积(亩)", "Land (mu)", minimum=0,
               aliases=("用地面积", "用地面积(亩)")),
        Column("tax_wan", "float", "税收(万元)", "Tax (10k CNY)", confidential=True,
               aliases=("税收", "实缴税金", "评价税收")),
        Column("value_added_wan", "float", "工业增加值(万元)", "Value added (10k CNY)",
               confidential=True, aliases=("工业增加值",)),
        Column("revenue_wan", "float", "营业收入(万元)", "Revenue (10k CNY)", confidential=True,
               aliases=("营业收入",)),
        Column("energy_tce", "float", "综合能耗(吨标煤)", "Energy (tce)", confidential=True,
               minimum=0, aliases=("综合能耗",)),
        Column("emission_t", "float", "污染物排放(吨)", "Emissions (t)", confidential=True,
               minimum=0, aliases=("排放量",)),
        Column("employees", "int", "年平均职工人数", "Employees", confidential=True, minimum=0,
               aliases=("职工人数",)),
        Column("rnd_wan", "float", "研发经费(万元)", "R&D spend (10k CNY)", confidential=True,
               minimum=0, aliases=("研发经费",)),
        Column("electricity_10k_kwh", "float", "用电量(万千瓦时)", "Electricity (10k kWh)",
               confidential=True, minimum=0, aliases=("用电量",)),
        Column("water_t", "float", "用水量(吨)", "Water use (t)", confidential=True,
               minimum=0, aliases=("用水量", "用水量(吨)", "用水量（吨）")),
        Column("production_start_date", "date", "投产日期", "In production since",
               aliases=("投产日期",)),
        Column("is_utility", "bool", "公用事业", "Utility company", aliases=("公用事业",)),
        Column("notes", "str", "内部备注", "Internal notes", confidential=True,
               aliases=("备注",)),
    ),
)

FACILITY = LayerSpec(
    name="facility",
    zh="配套设施",
    en="Facility",
    id_column="facility_id",
    geometry="any",
    columns=(
        Column("facility_id", "str", "设施编号", "Facility ID", required=True,
               aliases=("设施编号", "编号")),
        Column("name", "str", "设施名称", "Name", required=True, aliases=("设施名称", "名称")),
        Column("name_en", "str", "英文名称", "English name", aliases=("英文名称",)),
        Column("kind", "str", "设施类型", "Kind", required=True, allowed=_codes(FACILITY_KINDS),
               aliases=("设施类型", "类型")),
        Column("capacity", "str", "规模/能力", "Capacity", aliases=("规模", "能力", "容量")),
    ),
    style={"color": "#37474f", "radius": 5},
)

CONTEXT = LayerSpec(
    name="context",
    zh="底图要素",
    en="Context",
    id_column="context_id",
    geometry="any",
    columns=(
        Column("context_id", "str", "要素编号", "Feature ID", required=True,
               aliases=("要素编号", "编号")),
        Column("name", "str", "名称", "Name", aliases=("名称",)),
        Column("name_en", "str", "英文名称", "English name", aliases=("英文名称",)),
        Column("kind", "str", "要素类型", "Kind", required=True, allowed=_codes(CONTEXT_KINDS),
               aliases=("要素类型", "类型")),
    ),
    style={"colors": {"county_boundary": "#5d4037", "town": "#424242", "road": "#9e9e9e",
                      "river": "#4f8fcf", "railway": "#212121", "water": "#a9cbe8"}},
)

TARGET = LayerSpec(
    name="target",
    zh="招商目标企业",
    en="Target enterprise",
    id_column="target_id",
    geometry="none",
    columns=(
        Column("target_id", "str", "统一社会信用代码", "Unified social credit code / ID",
               required=True, aliases=("统一社会信用代码", "信用代码", "企业编号", "编号")),
        Column("name", "str", "企业名称", "Name", required=True, aliases=("企业名称", "名称",
                                                                         "公司名称")),
        Column("province", "str", "所属省份", "Province", aliases=("所属省份", "省份")),
        Column("city", "str", "注册地", "City", aliases=("注册地", "所属城市", "城市", "注册地址")),
        Column("industry_code", "str", "行业代码", "Industry code (GB/T 4754)",
               aliases=("行业代码", "国标行业代码", "国民经济行业代码")),
        Column("industry", "str", "所属行业", "Industry", aliases=("所属行业", "国标行业")),
        Column("chain_id", "str", "产业链", "Chain", aliases=("产业链",)),
        Column("segment_id", "str", "产业链环节", "Chain segment", aliases=("环节", "产业链环节")),
        Column("products", "str", "主要产品", "Main products", aliases=("主要产品", "主营产品",
                                                                       "经营范围")),
        Column("registered_capital", "str", "注册资本", "Registered capital",
               aliases=("注册资本",)),
        Column("founded_date", "date", "成立日期", "Founded", aliases=("成立日期",)),
        Column("scale_tags", "list", "企业标签", "Tags", aliases=("企业标签", "标签", "资质")),
        Column("listed", "str", "上市情况", "Listing", aliases=("上市", "上市情况", "上市状态",
                                                              "是否上市")),
        Column("specialised", "str", "专精特新", "Specialised SME (专精特新)",
               aliases=("专精特新", "专精特新等级")),
        Column("financing", "str", "近期融资", "Recent financing",
               aliases=("近期融资", "融资信息", "融资轮次", "最新融资")),
        Column("expansion", "str", "异地设厂/拿地", "New plants or land elsewhere",
               aliases=("异地设厂/拿地", "异地设厂", "拿地", "对外投资", "新建项目")),
        Column("hiring", "str", "招聘", "Hiring", aliases=("招聘", "招聘岗位数", "在招岗位")),
        Column("revenue_band", "str", "营收规模", "Revenue band",
               aliases=("营收规模", "营业收入规模", "营收")),
        Column("source", "str", "数据来源", "Data source", aliases=("数据来源", "来源")),
        Column("contact_person", "str", "联系人", "Contact person", confidential=True,
               aliases=("联系人",)),
        Column("contact_phone", "str", "联系电话", "Contact phone", confidential=True,
               aliases=("联系电话", "电话", "联系人/电话", "手机")),
        Column("owner", "str", "跟进责任人", "Owner (staff)", confidential=True,
               aliases=("跟进责任人", "责任人", "跟进人")),
        Column("notes", "str", "内部备注", "Internal notes", confidential=True,
               aliases=("备注", "内部备注")),
    ),
)
"""招商目标企业库: prospect firms exported from enterprise databases (企查查/启信宝-style
columns), matched to chain gaps by an evidence score (:mod:`geo.target_match`). Every column
is promotion-team working material: investor views never show this layer."""

LEAD = LayerSpec(
    name="lead",
    zh="招商线索",
    en="Lead",
    id_column="lead_id",
    geometry="none",
    columns=(
        Column("lead_id", "str", "线索编号", "Lead ID", required=True, aliases=("线索编号",)),
        Column("source", "str", "线索来源", "Source", required=True,
               allowed=_codes(LEAD_SOURCES), aliases=("来源", "线索来源")),
        Column("company", "str", "企业名称", "Company", required=True,
               aliases=("企业名称", "企业", "公司")),
        Column("industry", "str", "行业", "Industry", aliases=("行业", "所属行业")),
        Column("segment_id", "str", "产业链环节", "Chain segment", aliases=("环节",)),
        Column("need_mu", "float", "用地需求(亩)", "Land need (mu)", minimum=0,
               aliases=("用地需求", "用地需求(亩)")),
        Column("investment_wan", "float", "拟投资额(万元)", "Investment (10k CNY)", minimum=0,
               aliases=("投资额", "拟投资额")),
        Column("need", "str", "需求说明", "Need", confidential=True, aliases=("需求",)),
        Column("parcel_id", "str", "意向地块", "Parcel of interest", aliases=("意向地块",)),
        Column("park_id", "str", "意向园区", "Park of interest", aliases=("意向园区",)),
        Column("contact_name", "str", "联系人", "Contact person", confidential=True,
               aliases=("联系人",)),
        Column("phone", "str", "联系电话", "Phone", confidential=True, aliases=("电话", "手机")),
        Column("email", "str", "电子邮箱", "E-mail", confidential=True, aliases=("邮箱",)),
        Column("owner", "str", "责任人", "Owner (staff)", confidential=True,
               aliases=("责任人",)),
        Column("stage", "str", "线索阶段", "Stage", required=True, allowed=_codes(LEAD_STAGES),
               aliases=("阶段",)),
        Column("lost_reason", "str", "流失原因", "Reason lost", confidential=True,
               aliases=("流失原因",)),
        Column("received_date", "date", "登记日期", "Received", aliases=("登记日期",)),
        Column("last_follow_up", "date", "最近跟进", "Last follow-up", aliases=("最近跟进",)),
        Column("next_action", "str", "下一步工作", "Next action", confidential=True,
               aliases=("下一步",)),
        Column("next_action_date", "date", "下一步日期", "Next action date",
               aliases=("下一步日期",)),
        Column("notes", "str", "跟进记录", "Follow-up notes", confidential=True,
               aliases=("备注", "跟进记录")),
        Column("project_id", "str", "转化项目", "Project", aliases=("项目编号",)),
    ),
)
"""Investor interest before a signed project (shared/domain.md §9). Staff-only as a whole:
no investor view reads it; contacts, owner, needs and notes are also marked confidential."""

FRESHNESS = LayerSpec(
    name="freshness",
    zh="数据时效",
    en="Data freshness",
    id_column="layer",
    geometry="none",
    columns=(
        Column("layer", "str", "图层", "Layer", required=True),
        Column("source_department", "str", "来源部门", "Source department",
               aliases=("来源部门",)),
        Column("data_owner", "str", "数据负责人", "Data owner", confidential=True,
               aliases=("数据负责人",)),
        Column("as_of", "date", "数据日期", "As of", required=True, aliases=("数据日期",)),
    ),
)
"""One row per layer: who supplies it and how current it is (set by every ``investmap load``;
see layers/freshness.py)."""

LEDGER_STEP_STATES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "todo": ("未办", "Not started"),
        "doing": ("在办", "In progress"),
        "done": ("已办", "Done"),
        "stuck": ("卡壳", "Stuck"),
        "na": ("不涉及", "Not applicable"),
    }
)
"""State of a preparatory step as a 重点项目台账 writes it (已办/在办/未办, 卡壳 when marked)."""

LEDGER_RINGS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "stuck": ("有卡壳环节", "A step is stuck"),
        "overdue": ("有逾期环节", "A step is overdue"),
        "on_track": ("手续按期推进", "Steps on schedule"),
        "done": ("手续已办结", "All steps done"),
    }
)
"""A ledger project's worst step (:func:`geo.ledger.worst_steps`): the code its map ring is
coloured by (``LEDGER_STEP.style``)."""

LEDGER_PROJECT = LayerSpec(
    name="ledger_project",
    zh="重点项目台账",
    en="Key-project ledger",
    id_column="project_id",
    geometry="none",
    columns=(
        Column("project_id", "str", "项目编号", "Project ID", required=True,
               aliases=("项目编号", "编号")),
        Column("name", "str", "项目名称", "Name", aliases=("项目名称", "名称")),
        Column("year", "int", "台账年度", "Ledger year", required=True, minimum=2000,
               aliases=("年度", "台账年度")),
        Column("content", "str", "建设内容", "Construction content",
               aliases=("建设内容", "建设规模及内容", "建设内容及规模")),
        Column("total_investment_wan", "float", "总投资(万元)", "Total investment (10k CNY)",
               minimum=0, aliases=("总投资",)),
        Column("annual_plan_wan", "float", "年度计划投资(万元)",
               "Planned investment this year (10k CNY)", minimum=0,
               aliases=("年度计划投资", "年度计划", "计划投资")),
        Column("planned_start_date", "date", "计划开工日期", "Planned start",
               aliases=("计划开工日期", "计划开工时间", "计划开工")),
        Column("department", "str", "责任单位", "Responsible department",
               aliases=("责任单位", "牵头单位")),
        Column("leader", "str", "包抓领导", "Leader in charge", confidential=True,
               aliases=("包抓领导", "包抓县级领导", "联系领导", "责任领导")),
        Column("problem", "str", "存在问题", "Open problems", confidential=True,
               aliases=("存在问题", "存在的问题", "问题及建议")),
    ),
)
"""A key project as the 重点项目台账 lists it: its year's plan, 责任单位 and 包抓领导. Staff-only
as a whole (the 项目挂图作战 page and ``investmap ledger``); see docs/reference/ledger.md."""

LEDGER_STEP = LayerSpec(
    name="ledger_step",
    zh="前期手续",
    en="Preparatory step",
    id_column="step_key",
    geometry="none",
    columns=(
        Column("step_key", "str", "环节编号", "Step key", required=True,
               aliases=("环节编号",)),
        Column("project_id", "str", "项目编号", "Project ID", required=True,
               aliases=("项目编号",)),
        Column("step", "str", "手续环节", "Step", required=True, aliases=("手续环节", "环节")),
        Column("state", "str", "办理状态", "State", required=True,
               allowed=_codes(LEDGER_STEP_STATES), aliases=("办理状态", "状态")),
        Column("planned_date", "date", "计划办结日期", "Planned by",
               aliases=("计划办结日期", "计划完成时间")),
        Column("done_date", "date", "办结日期", "Done on", aliases=("办结日期", "完成时间")),
        Column("department", "str", "责任单位", "Responsible department",
               aliases=("责任单位",)),
        Column("problem", "str", "卡壳问题", "Problem", confidential=True,
               aliases=("卡壳问题", "存在问题")),
    ),
    style={"by": "worst_step",
           "colors": {"stuck": "#aa00ff", "overdue": "#ff8f00", "on_track": "#2e7d32",
                      "done": "#1565c0"}},
)
"""One preparatory step of one ledger project (``step_key`` = ``<project_id>/<step>``); the
step codes come from the policy's ``ledger.steps``. ``style`` colours a project's map ring by
its worst step (:data:`LEDGER_RINGS`)."""

LEDGER_MONTH = LayerSpec(
    name="ledger_month",
    zh="月度进展",
    en="Monthly progress",
    id_column="month_key",
    geometry="none",
    columns=(
        Column("month_key", "str", "月报编号", "Month key", required=True,
               aliases=("月报编号",)),
        Column("project_id", "str", "项目编号", "Project ID", required=True,
               aliases=("项目编号",)),
        Column("month", "date", "月份", "Month", required=True, aliases=("月份",)),
        Column("invested_wan", "float", "当月完成投资(万元)", "Invested this month (10k CNY)",
               minimum=0, aliases=("当月完成投资",)),
        Column("cumulative_wan", "float", "累计完成投资(万元)",
               "Invested this year to date (10k CNY)", minimum=0,
               aliases=("累计完成投资",)),
        Column("progress", "str", "形象进度", "Site progress", aliases=("形象进度",)),
        Column("photos", "list", "进度照片", "Progress photos", aliases=("进度照片", "照片")),
    ),
)
"""Per ledger project and month (``month_key`` = ``<project_id>/<YYYY-MM>``): investment
completed that month and this year to date, the 形象进度 text and dated photos
(``YYYY-MM-DD file`` items; a relative file is read from the data file's folder)."""

LAYERS: Mapping[str, LayerSpec] = MappingProxyType(
    {spec.name: spec for spec in (PARK, PARCEL, PROJECT, REDLINE, ENTERPRISE, FACILITY,
                                  CONTEXT, TARGET, LEAD, FRESHNESS, LEDGER_PROJECT,
                                  LEDGER_STEP, LEDGER_MONTH)}
)


def get_spec(name: str) -> LayerSpec:
    """Return the spec of layer ``name``; the error lists the valid names."""
    try:
        return LAYERS[name]
    except KeyError:
        raise KeyError(f"unknown layer {name!r}; valid layers: {', '.join(LAYERS)}") from None


def label(table: Mapping[str, tuple[str, str]], code: str, lang: str = "zh") -> str:
    """Human label of a code in one of the code tables, falling back to the code itself."""
    pair = table.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "zh" else pair[1]


def public_frame_columns(spec: LayerSpec, columns: Iterable[str]) -> list[str]:
    """Of ``columns``, those an investor may see (declared and not confidential)."""
    public = set(spec.public_columns)
    return [c for c in columns if c in public]


# issue 27: plausible values (the validator refuses what lies outside, naming the unit)


@dataclass(frozen=True)
class ValueRange:
    """The plausible values of a numeric column and the unit they are written in.

    Parameters
    ----------
    low, high : smallest and largest plausible value (inclusive).
    unit : the unit as messages print it, Chinese then English (``"万元 / 10k CNY"``).
    """

    low: float
    high: float
    unit: str


_WAN = "万元 / 10k CNY"
_WAN_PER_MU = "万元/亩 / 10k CNY per mu"
VALUE_RANGES: Mapping[str, ValueRange] = MappingProxyType({
    "far_min": ValueRange(0, 20, "容积率 / floor-area ratio"),
    "far_max": ValueRange(0, 20, "容积率 / floor-area ratio"),
    "price_wan_per_mu": ValueRange(0, 10_000, _WAN_PER_MU),
    "investment_min_wan_per_mu": ValueRange(0, 100_000, _WAN_PER_MU),
    "tax_min_wan_per_mu": ValueRange(0, 10_000, _WAN_PER_MU),
    "developed_share": ValueRange(0, 1, "share 0–1 / 比例"),
    "invested_share": ValueRange(0, 1, "share 0–1 / 比例"),
    "investment_wan": ValueRange(0, 10_000_000, _WAN),
    "land_mu": ValueRange(0, 1_000_000, "亩 / mu"),
    "need_mu": ValueRange(0, 1_000_000, "亩 / mu"),
    "tax_wan": ValueRange(-10_000_000, 100_000_000, _WAN),
    "value_added_wan": ValueRange(-10_000_000, 100_000_000, _WAN),
    "revenue_wan": ValueRange(0, 1_000_000_000, _WAN),
    "energy_tce": ValueRange(0, 100_000_000, "吨标煤 / tce"),
    "emission_t": ValueRange(0, 100_000_000, "吨 / t"),
    "employees": ValueRange(0, 1_000_000, "人 / people"),
    "rnd_wan": ValueRange(0, 100_000_000, _WAN),
    "electricity_10k_kwh": ValueRange(0, 100_000_000, "万千瓦时 / 10k kWh"),
    "water_t": ValueRange(0, 10_000_000_000, "吨 / t"),
})
"""Plausible range per numeric column name (the same name means the same quantity in every
layer). Every number must also be finite: ``inf`` and ``nan`` written as text are refused."""

DATE_RANGE: tuple[str, str] = ("1900-01-01", "2100-12-31")
"""Earliest and latest plausible date in any date column (ISO)."""

MILESTONE_ORDER: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType({
    "project": (("signed_date", "start_date", "completion_date"),
                ("signed_date", "planned_start_date", "planned_completion_date")),
})
"""Per layer, date columns that must not go backwards, in order (签约 ≤ 开工 ≤ 竣工)."""
