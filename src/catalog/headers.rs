//! The column names of the office's spreadsheets: each Chinese header with the record field it
//! means, read by the importer and written by the office export.

/// The Chinese column names offices write, with the field each one means. A header may be the
/// field's name or one of these; both read the same.
pub const CHINESE_HEADERS: &[(&str, &str)] = &[
    ("编号", "id"),
    ("基地编号", "id"),
    ("基地名称", "name_zh"),
    ("名称", "name_zh"),
    ("英文名称", "name_en"),
    ("类型", "kind"),
    ("基地类型", "kind"),
    ("产业类型", "industries"),
    ("所属行业", "industries"),
    ("所在地区", "division"),
    ("所属地区", "division"),
    ("地址", "address_zh"),
    ("英文地址", "address_en"),
    ("纬度", "lat"),
    ("经度", "lon"),
    ("员工人数", "employees"),
    ("占地面积", "floor_area_m2"),
    ("占地面积（平方米）", "floor_area_m2"),
    ("年营收（百万元）", "annual_revenue_million_cny"),
    ("主要需求", "needs"),
    ("推介要点", "promotion_points"),
    ("简介", "description_zh"),
    ("英文简介", "description_en"),
    ("参观时长（分钟）", "visit_minutes"),
    ("参观时长", "visit_minutes"),
    ("开放时间", "opening_hours"),
    ("闭馆日期", "closed_dates"),
    ("节假日开放", "opens_on_holidays"),
    ("法定节假日是否开放", "opens_on_holidays"),
    ("最大接待人数", "max_group_size"),
    ("讲解语言", "guide_languages"),
    ("是否涉密/不对外", "restricted"),
    ("是否涉密", "restricted"),
    ("是否需审批", "approval_required"),
    ("审批有效期至", "approved_until"),
    ("是否需属地同意", "needs_local_consent"),
    ("餐饮接待", "meals"),
    ("可提供餐食", "meals"),
    ("拍照规定", "photo_policy"),
    ("开放范围", "open_scope"),
    ("标签", "tags"),
    ("联系人", "contact_name"),
    ("联系电话", "contact_phone"),
    ("电子邮箱", "contact_email"),
    ("状态", "status"),
    ("入库状态", "status"),
    ("审核状态", "status"),
    ("申报地区", "submitted_by"),
    ("申报单位", "submitted_by"),
    ("审核意见", "review_note"),
];

/// The field a header names: our field name, or a Chinese column name (full-width and ASCII
/// parentheses alike, a byte-order mark and spaces ignored).
pub fn field_of_header(header: &str) -> String {
    let header = header.trim().trim_start_matches('\u{feff}').trim();
    let folded: String = header.replace('(', "（").replace(')', "）").chars().filter(|c| !c.is_whitespace()).collect();
    CHINESE_HEADERS.iter().find(|(zh, _)| *zh == folded).map_or_else(|| header.to_string(), |(_, field)| field.to_string())
}

/// The header of `field` in an office sheet: its first Chinese column name.
pub fn office_header(field: &str) -> &str {
    CHINESE_HEADERS.iter().find(|(_, f)| *f == field).map_or(field, |(zh, _)| zh)
}
