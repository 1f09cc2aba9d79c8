// The officers' page: delegation profile → ranked bases → itinerary (timeline and map) →
// exports; and browsing the base library. It talks only to this server's JSON API and shows
// every problem+json error next to the field it names.
'use strict';

const TEXT = {
  zh: {
    skip: '跳到主要内容', title: '来访代表团 基地匹配与线路规划', tab_plan: '线路规划', tab_library: '基地库',
    profile_heading: '代表团信息', example: '从示例开始', example_none: '（空白）', country: '国家代码', city: '城市',
    organisation_type: '组织类型', size: '人数', start_date: '抵达日期', days: '天数', hotel: '住宿地',
    interests: '考察兴趣（任意语言）', industries_sought: '关注产业（逗号分隔）', offers: '可提供（逗号分隔）',
    seeks: '寻求（逗号分隔）', languages: '语言（如 it,en）', max_visits: '每天最多参观', day_start: '每天出发',
    day_end: '每天结束', find: '匹配基地', plan: '生成行程', matches_heading: '推荐基地',
    matches_hint: '勾选“必去”固定基地，勾选“排除”不予安排，然后生成行程。', plan_heading: '行程',
    print: '打印版', ics: '下载日历 (ICS)', csv: '下载表格 (CSV)', left_out: '未安排的基地及原因',
    library_heading: '检索基地库', q: '关键词（任意语言）', division: '区域', kind: '类型', industry: '产业',
    group_size: '可接待人数至少', search: '检索', hits_heading: '检索结果', prev: '上一页', next: '下一页', any: '不限',
    footer: '温州市人民政府外事办公室 · 对外交流基地备选库', pin: '必去', exclude: '排除', score: '得分',
    diversity_note: d => `为避免同类基地扎堆，排序兼顾了多样性（系数 ${d}）：标注“多样性调整”的基地不在其分数对应的位置。`,
    moved: (byScore, rank) => `多样性调整：按分数排第 ${byScore}，现排第 ${rank}`,
    candidate_column: '待审基地', library_column: '库中相似基地',
    duplicate_reasons: { same_name: '名称相同', same_address_similar_name: '地址相同、名称相近' },
    new_base: '新增基地', edit_base: '编辑基地', save_base: '保存', cancel: '取消', reload_base: '重新载入最新内容',
    new_base_heading: '新增基地', edit_base_heading: name => `编辑：${name}`, status_note: '停用或恢复的说明',
    suspend_base: '停用', reactivate_base: '恢复入库', base_saved: name => `已保存：${name}。`, base_created: name => `已新增：${name}。`,
    base_conflict: '保存失败：您打开此基地后，其他人已修改并保存了它，您的修改没有保存。请点“重新载入最新内容”，查看后再修改。',
    base_exists: id => `编号 ${id} 已被另一个基地使用，请换一个编号。`, nothing_changed: '没有改动。',
    status_changed: (name, status) => `${name}：${status}。`, needs_admin: '编辑基地需要先登录（外事干部或管理员）。',
    base_hints: { industries: '用“、”分隔，可写中文或英文', needs: '每行一条', promotion_points: '每行一条', guide_languages: '用“、”分隔，如 中文、英语',
      opening_hours: '如 周一至周五 8:30-11:30、13:30-17:00', id: '小写字母、数字和“-”，如 lucheng-120',
      meals: '可接待团组用餐时填写，如 常规餐、清真、素食；不接待用餐则留空',
      closed_dates: '平日开放但闭馆的日期，如 2026-10-08、2026-12-24；法定节假日按下一项处理' },
    breakdown: '得分构成', matching: '正在匹配…', planning: '正在生成行程…', matched: n => `找到 ${n} 个推荐基地。`,
    planned: (d, v) => `已生成 ${d} 天行程，共 ${v} 次参观。`, day: (n, date, wd) => `第${n}天 ${date || ''} ${wd || ''}`,
    failed: '请求失败：', fix_fields: '请修改标出的字段。', found: (n, t) => `共 ${t} 个，显示 ${n} 个。`, searching: '正在检索…',
    edit_route: '编辑线路', edit_route_heading: title => `编辑线路：${title}`, r_title_zh: '线路名称（中文）', r_title_en: '线路名称（英文）',
    r_stops: '各站', add_stop: '添加一站', route_check: '按修改后的线路审核', route_save: '保存线路', route_saved: title => `已保存线路：${title}。`,
    route_clean: '审核通过：没有需要说明的问题。', route_conflict: '保存失败：您打开此线路后，其他人已修改并保存了它，您的修改没有保存。请点“重新载入最新内容”，查看后再修改。',
    stop_fields: { city: '城市', institution_zh: '机构或活动（中文）', institution_en: '机构或活动（英文）', purpose_zh: '目的（中文）', purpose_en: '目的（英文）',
      days: '天数', best_months: '适宜月份（如 4,5,9）', tasks: '服务的任务' },
    move_up: '上移', move_down: '下移', stop_n: n => `第 ${n} 站`,
    pace: '节奏', pace_normal: '正常', pace_relaxed: '舒缓（年长来宾：每天至多3处，每站后多休息，午餐90分钟）',
    checklist: '事前须办', approved_until: '审批有效期至 ', no_approval: '尚无有效审批',
    avoid_kinds: '不安排的基地类型', avoid_industries: '不安排的产业', avoid_divisions: '不安排的区域',
    dietary_needs: '饮食要求', allergies: '过敏及其他禁忌',
    holidays_label: '法定节假日', holidays_open: '开放', holidays_closed: '不开放', closed_dates_label: '闭馆日期', meals_label: '餐饮接待',
    appointments: '会见与活动', schedule: '日程安排', escort: '陪同人员', banquet: '欢迎宴会', banquet_day: '第几天', banquet_start: '开始', minutes: '时长（分钟）',
    add_appointment: '添加会见或活动', appointment_title: '内容', appointment_place: '地点（区域）', remove: '删除',
    hotel_mark: '酒店', hotel_symbol: '宿', scale_km: km => `${km} 公里`,
    map_title: '各日路线图', no_plan_yet: '请先匹配基地。', visits: '次参观', driving: '分钟车程',
    fields: { id: '编号', name: '名称', kind: '类型', industries: '产业', division: '区域', address: '地址', size: '规模',
      needs: '主要需求', promotion_points: '推介要点', description: '简介', visit_minutes: '参观时长（分钟）',
      opening_hours: '开放时间', max_group_size: '最多接待人数', guide_languages: '讲解语言', approval_required: '需事先审批',
      photo_policy: '拍照', employees: '员工人数', status: '入库状态' },
    weekdays: { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' },
    kinds_event: { check_out: '退房', check_in: '入住', depart: '出发', travel: '车程', visit: '参观', lunch: '午餐', appointment: '会见', banquet: '宴会', return: '返回' },
    yes: '是', no: '否', contact: '联系人', restricted: '不对外开放（内部）',
    username: '用户名', password: '密码', sign_in: '登录', sign_out: '退出登录',
    signed_in_as: (name, role) => `${name}（${role}）`, sign_in_failed: '用户名或密码不正确。',
    sign_in_locked: minutes => `登录失败次数过多，请 ${minutes} 分钟后再试。`, session_ended: '登录已过期，请重新登录。',
    username_missing: '请填写用户名。', password_missing: '请填写密码。',
    roles: { viewer: '查看', officer: '外事干部', approver: '审签人', admin: '管理员' }, save_visit: '保存为来访记录',
    saved_visit: id => `已保存来访记录 ${id}（计划中）。`, needs_officer: '保存来访记录需要先登录（外事干部或管理员）。',
    tab_outbound: '出访线路', outbound_heading: '根据我市需求推荐出访线路', o_needs: '需求（任意语言）', o_theme: '主题',
    o_bases: '按基地需求（基地编号，逗号分隔）', suggest: '推荐线路', trip_heading: '出访计划审核', t_route: '线路',
    t_days: '在外天数（含往返）', t_members: '团组人数', t_purpose: '出访任务（可选）', check: '审核并生成摘要',
    trip_result: '出访申请摘要', routes_heading: '推荐线路', served: '服务基地需求', promote: '推介基地', check_this: '审核此线路',
    countries: '推荐国家：', suggested: n => `推荐 ${n} 条线路。`, no_flags: '天数与人数与任务相符。',
    tab_intake: '排摸入库', intake_hint: '导入各地报送的基地表、审核待审基地、查看排摸进度需要先登录（外事干部或管理员）。',
    import_heading: '导入基地表（排摸）', i_file: '文件（.xlsx 或 .csv，UTF-8 或 GBK）', i_submitted: '报送地区（作为待审候选导入）',
    i_direct: '（直接入库，不作为候选）', i_remember: '记住对照的标签，下次无需再对照', i_preview: '预检（不写入）', i_confirm: '确认导入',
    labels_heading: '未知的产业标签', labels_hint: '每个标签已给出建议的产业，可逐一修改后再预检；导入后原标签保留为基地标签，检索仍能找到。',
    l_label: '标签', l_uses: '次数', l_lines: '行', l_industry: '对照产业', l_industry_of: label => `“${label}”对照的产业`,
    preview_heading: '预检结果', previewing: '正在预检…', importing: '正在导入…', choose_file: '请选择要导入的文件。',
    preview_ok: (ins, upd, same, arrival) => `将新增 ${ins} 个（${arrival}），更新 ${upd} 个，${same} 个不变。未写入任何数据。`,
    preview_bad: n => `有 ${n} 处问题，未写入任何数据。请修改文件或对照下方的未知标签后再预检。`,
    imported: (ins, upd) => `已导入：新增 ${ins} 个，更新 ${upd} 个。`, duplicate_of: '疑似重复：', line: n => `第 ${n} 行`,
    changed_fields: '变更字段：', queue_heading: '待审基地', queue_load: '刷新待审列表', queue_count: n => `待审 ${n} 个。`,
    submitted_by: '报送地区', approve: '通过入库', reject: '驳回', review_note: '审核意见', reviewed: (name, status) => `${name}：${status}。`,
    survey_heading: '排摸进度', survey_load: '查看排摸进度', survey_division: '地区', survey_total: '合计', survey_missing: '缺少的主题',
    survey_city: '全市', needs_staff: '请先登录（外事干部或管理员）。',
    statuses: { candidate: '待审', active: '入库', rejected: '未通过', suspended: '停用' },
    tab_visits: '来访记录', visits_heading: '来访记录', v_status: '状态', v_list: '查看', v_all: '全部',
    tab_trips: '出访申报', trips_heading: '因公出国（境）申报', trips_hint: '填写后先保存为草稿；预审提示的每一项须说明理由或修改后再提交审签。',
    t_department: '申报单位', t_route: '出访线路', t_departs: '出境日期', t_returns: '入境日期', t_purpose: '出访任务',
    t_members: '团组成员（每行：姓名，职务，承担任务；第一行为团长）', t_bases: '服务的基地（输入名称选取）', t_file: '保存草稿',
    trips_list: '申报与审签', t_filed: id => `已保存草稿 ${id}，请查看预审提示。`, t_count: n => `共 ${n} 个团组。`,
    trip_statuses: { draft: '草稿', submitted: '待审签', returned: '已退回', approved: '已批准', rejected: '不予批准', reported: '已报成果' },
    t_review: '预审', t_justify: '说明理由', t_submit: '提交审签', t_no_flags: '预审未发现问题。', t_approve: '批准', t_return: '退回修改',
    t_reject: '不予批准', t_comment: '审签意见', t_report: '填报成果', t_save_report: '保存成果', t_agreements: '签署协议数',
    t_follow_ups: '后续项目数', t_bases_benefited: '受益基地（输入名称选取）', t_bases_served: '服务的基地', t_choose: '请选择', t_benefited: '受益基地', t_not_found: '未找到', t_remove: name => `移除 ${name}`, t_contacts: '结识的机构和人士（每行一个）', t_summary: '成果小结', t_history: '经过', t_edit: '修改', t_save_changes: id => `保存对 ${id} 的修改`, t_overdue: '成果逾期未报', t_tasks: '本线路任务（每人写其承担的，用顿号分隔）', t_changed: (id, status) => `${id}：${status}。`, t_conflict: '该申报已被他人修改，已重新载入。',
    task_results: { met: '达成', partly: '部分达成', not_met: '未达成' },
    actions: { filed: '申报', revised: '修改', submitted: '提交', approved: '批准', returned: '退回', rejected: '不予批准', reported: '报成果' },
    assessment_heading: '出访成果绩效考核', a_by: '分组', a_xlsx: '导出Excel',
    assess_by: { route: '按线路', theme: '按主题', country: '按国家', department: '按单位', year: '按年度' },
    a_cols: ['名称', '团组数', '人天', '任务达成率', '协议', '后续项目', '每人天协议', '在外/规定天数'], a_none: '还没有已报成果的团组。',
    visit_statuses: { planned: '计划中', confirmed: '已确认', completed: '已完成', cancelled: '已取消' },
    v_confirm: '确认', v_cancel: '取消来访', v_outcome: '记录成果', v_save_outcome: '保存成果', v_productive: '有成效的基地',
    v_agreements: '签约数', v_projects: '后续项目数', v_satisfaction: '满意度（1–5）', v_notes: '备注', v_count: n => `共 ${n} 条。`,
    v_bases: '参观基地', v_changed: (id, status) => `${id}：${status}。`, v_conflict: '该记录已被他人修改，已重新载入，请再操作一次。',
    import_fields: { id: '编号', name_zh: '基地名称', name_en: '英文名称', kind: '类型', industries: '产业类型', division: '所在地区',
      address_zh: '地址', lat: '纬度', lon: '经度', opening_hours: '开放时间', guide_languages: '讲解语言', max_group_size: '最大接待人数',
      visit_minutes: '参观时长（分钟）', description_zh: '简介', status: '状态', submitted_by: '申报地区' },
  },
  en: {
    skip: 'Skip to the main content', title: 'Delegation visits: matching bases and planning routes', tab_plan: 'Plan a visit',
    tab_library: 'Base library', profile_heading: 'Delegation', example: 'Start from an example', example_none: '(blank)',
    country: 'Country code', city: 'City', organisation_type: 'Organisation type', size: 'Group size', start_date: 'Arrival date',
    days: 'Days', hotel: 'Hotel in', interests: 'Interests (any language)', industries_sought: 'Industries sought (comma-separated)',
    offers: 'Offers (comma-separated)', seeks: 'Seeks (comma-separated)', languages: 'Languages (e.g. it,en)',
    max_visits: 'Most visits a day', day_start: 'Day starts', day_end: 'Day ends', find: 'Find bases', plan: 'Plan the visit',
    matches_heading: 'Suggested bases', matches_hint: 'Tick “Must visit” to pin a base and “Exclude” to leave it out, then plan.',
    plan_heading: 'Itinerary', print: 'Print view', ics: 'Calendar (ICS)', csv: 'Table (CSV)', left_out: 'Bases left out, and why',
    library_heading: 'Search the base library', q: 'Words (any language)', division: 'Division', kind: 'Kind', industry: 'Industry',
    group_size: 'Receives at least', search: 'Search', hits_heading: 'Results', prev: 'Previous', next: 'Next', any: 'Any',
    footer: 'Foreign Affairs Office of Wenzhou · exchange-base library', pin: 'Must visit', exclude: 'Exclude', score: 'Score',
    diversity_note: d => `To keep alike bases apart, the order also weighs diversity (${d}): bases marked “moved for diversity” are not where their score alone would put them.`,
    moved: (byScore, rank) => `Moved for diversity: ${byScore} by score, now ${rank}`,
    candidate_column: 'Candidate', library_column: 'Similar base in the library',
    duplicate_reasons: { same_name: 'same name', same_address_similar_name: 'same address, similar name' },
    new_base: 'Add a base', edit_base: 'Edit this base', save_base: 'Save', cancel: 'Cancel', reload_base: 'Reload the latest version',
    new_base_heading: 'Add a base', edit_base_heading: name => `Edit: ${name}`, status_note: 'Note for suspending or reactivating',
    suspend_base: 'Suspend', reactivate_base: 'Reactivate', base_saved: name => `Saved: ${name}.`, base_created: name => `Added: ${name}.`,
    base_conflict: 'Not saved: someone else changed and saved this base after you opened it, so your changes were not saved. Choose “Reload the latest version”, check it, and edit again.',
    base_exists: id => `The id ${id} is taken by another base; choose another.`, nothing_changed: 'Nothing has changed.',
    status_changed: (name, status) => `${name}: ${status}.`, needs_admin: 'Editing a base needs you to sign in (protocol officer or administrator).',
    base_hints: { industries: 'separated by commas; Chinese or English', needs: 'one a line', promotion_points: 'one a line', guide_languages: 'separated by commas, e.g. Chinese, English',
      opening_hours: 'e.g. 周一至周五 8:30-11:30、13:30-17:00 or mon-fri 08:30-17:00', id: 'lower-case letters, digits and “-”, e.g. lucheng-120',
      meals: 'when it hosts group meals, e.g. regular, halal, vegetarian; blank if it hosts none',
      closed_dates: 'dates closed on an open weekday, e.g. 2026-10-08, 2026-12-24; public holidays follow the next field' },
    breakdown: 'Score breakdown', matching: 'Matching…', planning: 'Planning…', matched: n => `${n} bases suggested.`,
    planned: (d, v) => `${d}-day itinerary with ${v} visits.`, day: (n, date, wd) => `Day ${n} ${date || ''} ${wd || ''}`,
    failed: 'The request failed: ', fix_fields: 'Please correct the marked fields.', found: (n, t) => `${t} found, ${n} shown.`,
    searching: 'Searching…', edit_route: 'Edit this route', edit_route_heading: title => `Edit the route: ${title}`, r_title_zh: 'Title (Chinese)', r_title_en: 'Title (English)',
    r_stops: 'Stops', add_stop: 'Add a stop', route_check: 'Check the edited route', route_save: 'Save the route', route_saved: title => `Saved the route: ${title}.`,
    route_clean: 'Checked: nothing to explain.', route_conflict: 'Not saved: someone else changed and saved this route after you opened it, so your changes were not saved. Choose “Reload the latest version”, check it, and edit again.',
    stop_fields: { city: 'City', institution_zh: 'Institution or event (Chinese)', institution_en: 'Institution or event (English)', purpose_zh: 'Purpose (Chinese)', purpose_en: 'Purpose (English)',
      days: 'Days', best_months: 'Best months (e.g. 4,5,9)', tasks: 'Tasks served' },
    move_up: 'Up', move_down: 'Down', stop_n: n => `Stop ${n}`,
    pace: 'Pace', pace_normal: 'Normal', pace_relaxed: 'Relaxed (senior guests: at most 3 visits a day, more rest after each, a 90-minute lunch)',
    checklist: 'To arrange beforehand', approved_until: 'approved until ', no_approval: 'no approval on file',
    avoid_kinds: 'Kinds to leave out', avoid_industries: 'Industries to leave out', avoid_divisions: 'Divisions to leave out',
    dietary_needs: 'Dietary needs', allergies: 'Allergies and other restrictions',
    holidays_label: 'Public holidays', holidays_open: 'open', holidays_closed: 'closed', closed_dates_label: 'Closed dates', meals_label: 'Meals for groups',
    appointments: 'Meetings and events', schedule: 'Schedule', escort: 'Escort', banquet: 'Welcome banquet', banquet_day: 'Day', banquet_start: 'Starts', minutes: 'Minutes',
    add_appointment: 'Add a meeting or event', appointment_title: 'What', appointment_place: 'Where (division)', remove: 'Remove',
    hotel_mark: 'Hotel', hotel_symbol: 'H', scale_km: km => `${km} km`,
    map_title: 'Route of each day', no_plan_yet: 'Find bases first.', visits: 'visits', driving: 'min driving',
    fields: { id: 'Id', name: 'Name', kind: 'Kind', industries: 'Industries', division: 'Division', address: 'Address', size: 'Size',
      needs: 'Main needs', promotion_points: 'Promotion points', description: 'Description', visit_minutes: 'Visit length (min)',
      opening_hours: 'Opening hours', max_group_size: 'Largest group', guide_languages: 'Guide languages',
      approval_required: 'Needs prior approval', photo_policy: 'Photographs', employees: 'Employees', status: 'Status' },
    weekdays: { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' },
    kinds_event: { check_out: 'Check out', check_in: 'Check in', depart: 'Depart', travel: 'Drive', visit: 'Visit', lunch: 'Lunch', appointment: 'Meeting', banquet: 'Banquet', return: 'Return' },
    yes: 'yes', no: 'no', contact: 'Contact', restricted: 'Not open to foreign visitors (internal)',
    username: 'Username', password: 'Password', sign_in: 'Sign in', sign_out: 'Sign out',
    signed_in_as: (name, role) => `${name} (${role})`, sign_in_failed: 'The username or the password is wrong.',
    sign_in_locked: minutes => `Too many failed sign-ins; try again in ${minutes} minute(s).`, session_ended: 'Your session has ended; please sign in again.',
    username_missing: 'Enter your username.', password_missing: 'Enter your password.',
    roles: { viewer: 'viewer', officer: 'protocol officer', approver: 'approver', admin: 'administrator' }, save_visit: 'Save as a visit record',
    saved_visit: id => `Saved as visit record ${id} (planned).`, needs_officer: 'Saving a visit record needs you to sign in (officer or admin).',
    tab_outbound: 'Outbound routes', outbound_heading: "Suggest outbound routes from the city's needs", o_needs: 'Needs (any language)',
    o_theme: 'Theme', o_bases: 'From the needs of bases (ids, comma-separated)', suggest: 'Suggest routes', trip_heading: 'Check a trip plan',
    t_route: 'Route', t_days: 'Days abroad (travel included)', t_members: 'Members', t_purpose: 'Purpose (optional, Chinese)',
    check: 'Check and summarise', trip_result: 'Application summary', routes_heading: 'Suggested routes', served: 'Serves the needs of',
    promote: 'Bases to promote', check_this: 'Check this route', countries: 'Countries: ', suggested: n => `${n} routes suggested.`,
    no_flags: 'Days and members fit the tasks.',
    tab_intake: 'Survey intake', intake_hint: 'Sign in first (protocol officer or administrator) to import the divisions’ returns, review candidates and see the survey progress.',
    import_heading: 'Import a base list (survey return)', i_file: 'File (.xlsx or .csv, UTF-8 or GBK)', i_submitted: 'Sent in by (imported as candidates)',
    i_direct: '(straight into the library, not as candidates)', i_remember: 'Remember the mapped labels for later files', i_preview: 'Check (writes nothing)',
    i_confirm: 'Import', labels_heading: 'Industry labels the taxonomy does not know',
    labels_hint: 'Each label has a proposed industry; change any, then check again. The label is kept as a tag, so search still finds it.',
    l_label: 'Label', l_uses: 'Uses', l_lines: 'Lines', l_industry: 'Read as industry', l_industry_of: label => `Industry for “${label}”`,
    preview_heading: 'Check result', previewing: 'Checking…', importing: 'Importing…', choose_file: 'Choose a file to import.',
    preview_ok: (ins, upd, same, arrival) => `Would add ${ins} (${arrival}), update ${upd}, leave ${same} unchanged. Nothing was written.`,
    preview_bad: n => `${n} problems; nothing was written. Correct the file or map the unknown labels below, then check again.`,
    imported: (ins, upd) => `Imported: ${ins} added, ${upd} updated.`, duplicate_of: 'Possible duplicate of ', line: n => `Line ${n}`,
    changed_fields: 'Changed fields: ', queue_heading: 'Candidates awaiting review', queue_load: 'Refresh the queue', queue_count: n => `${n} awaiting review.`,
    submitted_by: 'Sent in by', approve: 'Approve', reject: 'Reject', review_note: 'Review note', reviewed: (name, status) => `${name}: ${status}.`,
    survey_heading: 'Survey progress', survey_load: 'Show survey progress', survey_division: 'Division', survey_total: 'Total',
    survey_missing: 'Themes with no active base', survey_city: 'Whole city', needs_staff: 'Please sign in (protocol officer or administrator).',
    statuses: { candidate: 'Candidate', active: 'Active', rejected: 'Rejected', suspended: 'Suspended' },
    tab_visits: 'Visit records', visits_heading: 'Visit records', v_status: 'Status', v_list: 'Show', v_all: 'All',
    tab_trips: 'Trips abroad', trips_heading: 'Official trips abroad', trips_hint: 'Save a draft first; justify each pre-review flag or change the plan, then submit for sign-off.',
    t_department: 'Department', t_route: 'Outbound route', t_departs: 'Leaving China', t_returns: 'Back in China', t_purpose: 'Purpose',
    t_members: 'Members (one a line: name, title, tasks; the first heads the delegation)', t_bases: 'Bases served (type a name to pick)', t_file: 'Save draft',
    trips_list: 'Applications and sign-off', t_filed: id => `Saved draft ${id}; see its pre-review.`, t_count: n => `${n} applications.`,
    trip_statuses: { draft: 'Draft', submitted: 'Awaiting sign-off', returned: 'Returned', approved: 'Approved', rejected: 'Rejected', reported: 'Results reported' },
    t_review: 'Pre-review', t_justify: 'Justification', t_submit: 'Submit for sign-off', t_no_flags: 'The pre-review found nothing.', t_approve: 'Approve', t_return: 'Return for changes',
    t_reject: 'Reject', t_comment: 'Comment', t_report: 'Report results', t_save_report: 'Save results', t_agreements: 'Agreements signed',
    t_follow_ups: 'Follow-up projects', t_bases_benefited: 'Bases that benefited (type a name to pick)', t_bases_served: 'Bases served', t_choose: 'Choose', t_benefited: 'Bases that benefited', t_not_found: 'not found', t_remove: name => `Remove ${name}`, t_contacts: 'Contacts made (one a line)', t_summary: 'Summary', t_history: 'History', t_edit: 'Change', t_save_changes: id => `Save changes to ${id}`, t_overdue: 'Results overdue', t_tasks: "This route's tasks (write each member's, separated by 、 or ;)", t_changed: (id, status) => `${id}: ${status}.`, t_conflict: 'Someone changed this application; reloaded.',
    task_results: { met: 'Met', partly: 'Partly met', not_met: 'Not met' },
    actions: { filed: 'filed', revised: 'revised', submitted: 'submitted', approved: 'approved', returned: 'returned', rejected: 'rejected', reported: 'results reported' },
    assessment_heading: 'Assessment of trips', a_by: 'Group by', a_xlsx: 'Export to Excel',
    assess_by: { route: 'By route', theme: 'By theme', country: 'By country', department: 'By department', year: 'By year' },
    a_cols: ['Name', 'Trips', 'Member-days', 'Tasks met', 'Agreements', 'Follow-ups', 'Agreements per member-day', 'Days used / allowed'], a_none: 'No trip has reported results yet.',
    visit_statuses: { planned: 'Planned', confirmed: 'Confirmed', completed: 'Completed', cancelled: 'Cancelled' },
    v_confirm: 'Confirm', v_cancel: 'Cancel the visit', v_outcome: 'Record the outcome', v_save_outcome: 'Save the outcome',
    v_productive: 'Productive bases', v_agreements: 'Agreements signed', v_projects: 'Follow-up projects', v_satisfaction: 'Satisfaction (1–5)',
    v_notes: 'Notes', v_count: n => `${n} records.`, v_bases: 'Bases visited', v_changed: (id, status) => `${id}: ${status}.`,
    v_conflict: 'Someone else changed this record; it has been reloaded: please do it again.',
    import_fields: { id: 'Id', name_zh: 'Name', name_en: 'English name', kind: 'Kind', industries: 'Industries', division: 'Division',
      address_zh: 'Address', lat: 'Latitude', lon: 'Longitude', opening_hours: 'Opening hours', guide_languages: 'Guide languages',
      max_group_size: 'Largest group', visit_minutes: 'Visit length (min)', description_zh: 'Description', status: 'Status', submitted_by: 'Sent in by' },
  },
};

const ORGANISATION_TYPES = {
  government: ['政府机构', 'Government'], business_association: ['商协会', 'Business association'], enterprise: ['企业', 'Enterprise'],
  university: ['高校', 'University'], school: ['学校', 'School'], research: ['科研机构', 'Research'], media: ['媒体', 'Media'],
  cultural: ['文化机构', 'Cultural'], ngo: ['社团/侨团', 'NGO / diaspora association'], other: ['其他', 'Other'],
};
// Labels of the codes the API answers with: a person reads these, never the codes.
const KINDS = {
  enterprise: ['企业', 'Enterprise'], industrial_park: ['产业园区', 'Industrial park'], university: ['高校', 'University'],
  school: ['学校', 'School'], research_institute: ['科研院所', 'Research institute'], cultural_site: ['文化场馆', 'Cultural site'],
  tourism_site: ['旅游景区', 'Tourism site'], financial_institution: ['金融机构', 'Financial institution'],
  government_service: ['政务服务', 'Government service'], incubator: ['孵化器', 'Incubator'],
};
const DIETS = {
  regular: ['常规餐', 'regular'], halal: ['清真', 'halal'], kosher: ['犹太洁食', 'kosher'], vegetarian: ['素食', 'vegetarian'], vegan: ['纯素', 'vegan'],
  no_pork: ['不含猪肉', 'no pork'], no_beef: ['不含牛肉', 'no beef'], gluten_free: ['无麸质', 'gluten-free'],
};
const PHOTO_POLICIES = { allowed: ['允许拍照', 'Allowed'], restricted: ['限制拍照', 'Only where shown'], forbidden: ['禁止拍照', 'Not allowed'] };
const LANGUAGES = {
  zh: ['中文', 'Chinese'], en: ['英语', 'English'], it: ['意大利语', 'Italian'], es: ['西班牙语', 'Spanish'], fr: ['法语', 'French'],
  de: ['德语', 'German'], ja: ['日语', 'Japanese'], ko: ['韩语', 'Korean'], pt: ['葡萄牙语', 'Portuguese'], ms: ['马来语', 'Malay'],
  id: ['印尼语', 'Indonesian'], th: ['泰语', 'Thai'], vi: ['越南语', 'Vietnamese'], ar: ['阿拉伯语', 'Arabic'], nl: ['荷兰语', 'Dutch'], ru: ['俄语', 'Russian'],
};
const LEFT_OUT_REASONS = {
  closed_that_day: ['当天不开放', 'closed that day'], too_far: ['距离过远', 'too far'], group_too_large: ['接待能力不足', 'group too large'],
  no_time_left: ['日程已满', 'no time left'], outscored: ['有更合适的基地', 'outscored'], restricted: ['不对外开放', 'not open to foreign visitors'],
  not_active: ['未入库或停用', 'not in the library'], avoided: ['代表团要求回避', 'on the avoid list'],
  approval_missing: ['需审批但无有效审批', 'needs an approval not on file'],
};
const FEATURES = {
  text: ['文本相关', 'Text relevance'], industry: ['产业匹配', 'Industry fit'], offers_needs: ['供需对接', 'Offers meet needs'],
  seeks_promotion: ['寻求与推介', 'Seeks meet promotion'], location: ['交通距离', 'Location'], size: ['规模适配', 'Size'],
  language: ['语言', 'Language'], relationship: ['友城与侨乡', 'Relationship'], rotation: ['轮换', 'Rotation'],
};
// The label of `code` in `table` for the page's language, the code itself when unknown.
const label = (table, code) => (table[code] ? table[code][state.lang === 'en' ? 1 : 0] : code);
function industryName(code) {
  const industry = state.industries.find(i => i.code === code);
  return industry ? (state.lang === 'en' ? industry.en : industry.zh) : code;
}

const DAY_COLOURS = ['#c0392b', '#1f6fb2', '#2e8540', '#8e44ad', '#d35400', '#16a085', '#7f8c8d'];
// Where each API field is entered on the page (problem+json `errors[].field`, profile prefix removed).
const FIELD_INPUTS = { visit: 'start_date', hotel: 'hotel', must_visit: 'form', avoid: 'form', max_visits_per_day: 'max_visits', banquet: 'banquet_day' };

const state = {
  lang: 'zh', divisions: [], departments: [], tripBases: null, industries: [], examples: [], outlines: null,
  themes: [], routes: [], suggestions: null,
  matches: [], pinned: new Set(), excluded: new Set(), lastPlanRequest: null, lastPlan: null, libraryOffset: 0, session: null, shownBase: null, editing: null, editingRoute: null,
};

const $ = id => document.getElementById(id);
const t = key => TEXT[state.lang][key];
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
};
const svgEl = (tag, attrs = {}) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
};
const list = value => value.split(/[,，;；、]/).map(s => s.trim()).filter(Boolean);

// ---- API ------------------------------------------------------------------------------------

class ApiProblem extends Error {
  constructor(problem) { super(problem.detail || problem.title); this.problem = problem; }
}

// Headers every request carries: a signed-in page sends its session's CSRF token with each
// change (the session itself travels in an HttpOnly cookie the page cannot read).
function sessionHeaders(method, headers) {
  if (state.session && !['GET', 'HEAD'].includes(method)) headers['x-csrf-token'] = state.session.csrf_token;
  return headers;
}

// A request to the API; an answer saying the session ended signs the page out.
async function send(method, path, init = {}) {
  const response = await fetch(path, { ...init, method, headers: sessionHeaders(method, init.headers || {}) });
  if (response.status === 401 && state.session) {
    const problem = await response.clone().json().catch(() => ({}));
    if (problem.code === 'session_expired') showSignedOut(t('session_ended'));
  }
  return response;
}

async function api(method, path, body, accept = 'application/json') {
  const headers = body === undefined ? { accept } : { 'content-type': 'application/json', accept };
  const response = await send(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get('content-type') || '';
  if (!response.ok) {
    if (type.includes('json')) throw new ApiProblem(await response.json());
    throw new ApiProblem({ title: response.statusText, detail: `HTTP ${response.status}` });
  }
  return type.includes('json') ? response.json() : response.blob();
}

// ---- Sign-in -------------------------------------------------------------------------------

// Shows what the signed-in person may do: officers keep the library (add, edit, suspend).
function showStaffActions() {
  const role = state.session && state.session.role;
  const officer = ['officer', 'approver', 'admin'].includes(role);
  document.querySelectorAll('.staff-only').forEach(node => { node.hidden = !officer; });
  document.querySelectorAll('.officer-only').forEach(node => { node.hidden = !officer; });
  $('detail-actions').hidden = !officer || !state.shownBase;
  $('edit-base').hidden = !officer;
  const status = state.shownBase ? (state.shownBase.status || 'active') : null;
  $('suspend-base').hidden = status !== 'active';
  $('reactivate-base').hidden = status !== 'suspended';
}

function showSignedIn(session) {
  state.session = session;
  $('who').textContent = t('signed_in_as')(session.username, t('roles')[session.role] || session.role);
  $('signin-form').hidden = true;
  $('signed-in').hidden = false;
  showStaffActions();
}

function showSignedOut(message) {
  state.session = null;
  // What staff saw (restricted bases' names, applications) is not left for the next person.
  baseNames.clear();
  $('trips').replaceChildren();
  $('trips-status').textContent = '';
  $('assessment').hidden = true;
  showStaffActions();
  $('signed-in').hidden = true;
  $('signin-form').hidden = false;
  $('s-password').value = '';
  const error = $('err-s-password');
  error.textContent = message || '';
  error.hidden = !message;
}

// Asks the server who is signed in on this browser (after a reload the cookie is still there).
async function loadSession() {
  const response = await fetch('/v1/session', { headers: { accept: 'application/json' } });
  if (response.ok) showSignedIn(await response.json()); else showSignedOut();
}

async function signIn(event) {
  event.preventDefault();
  const form = $('signin-form');
  clearErrors(form);
  const username = $('s-username').value.trim();
  const password = $('s-password').value;
  const missing = [['s-username', !username, 'username_missing'], ['s-password', !password, 'password_missing']].filter(([, empty]) => empty);
  for (const [id, , message] of missing) {
    $(`err-${id}`).textContent = t(message);
    $(`err-${id}`).hidden = false;
    $(id).setAttribute('aria-invalid', 'true');
  }
  if (missing.length) { $(missing[0][0]).focus(); return; }
  const response = await fetch('/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const body = await response.json();
  if (response.ok) {
    $('s-password').value = '';
    showSignedIn(body);
    return;
  }
  const minutes = Math.ceil(Number(response.headers.get('retry-after') || 60) / 60);
  $('err-s-password').textContent = body.code === 'too_many_sign_ins' ? t('sign_in_locked')(minutes) : body.code === 'sign_in_failed' ? t('sign_in_failed') : (body.detail || body.title);
  $('err-s-password').hidden = false;
  $('s-password').setAttribute('aria-invalid', 'true');
  $('s-password').focus();
}

async function signOut() {
  await send('DELETE', '/v1/session');
  showSignedOut();
}

// ---- Errors next to their fields -------------------------------------------------------------

function clearErrors(form) {
  form.querySelectorAll('.field-error, .form-error').forEach(node => { node.hidden = true; node.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach(node => node.removeAttribute('aria-invalid'));
}

function inputFor(field) {
  const name = field.replace(/^profile\./, '').replace(/^days\[\d+\]\./, 'day_').split(/[.[]/)[0];
  return FIELD_INPUTS[name] || name;
}

function showProblem(form, generalId, error, prefix = '') {
  const problem = error.problem || { detail: String(error) };
  const general = [];
  for (const item of problem.errors || []) {
    const name = prefix + inputFor(item.field);
    const box = $(`err-${name}`);
    const input = $(name) || form.querySelector(`[name="${name}"]`);
    if (box && input) {
      const label = form.querySelector(`label[for="${input.id}"]`);
      box.textContent = `${label ? label.textContent : (TEXT[state.lang][name] || name)}: ${item.message}`;
      box.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } else {
      general.push(`${item.field}: ${item.message}`);
    }
  }
  const box = $(generalId);
  const lines = (problem.errors || []).length ? general : [problem.detail || problem.title];
  if (lines.length) {
    box.textContent = t('failed') + lines.join('；');
    box.hidden = false;
  } else {
    box.textContent = t('fix_fields');
    box.hidden = false;
  }
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

// ---- The profile ------------------------------------------------------------------------------

function profileFromForm() {
  const days = Number($('days').value || 0);
  const start = $('start_date').value;
  const dates = [];
  if (start && days > 0) {
    const first = new Date(`${start}T00:00:00Z`);
    for (let i = 0; i < Math.min(days, 14); i++) dates.push(new Date(first.getTime() + i * 86400000).toISOString().slice(0, 10));
  }
  const profile = {
    country: $('country').value.trim().toUpperCase(),
    organisation_type: $('organisation_type').value,
    size: Number($('size').value || 0),
    visit: dates.length ? { dates } : { weekdays: [] },
    days,
    hotel: { division: $('hotel').value },
    interests: $('interests').value,
    industries_sought: list($('industries_sought').value),
    offers: list($('offers').value),
    seeks: list($('seeks').value),
    languages: list($('languages').value),
    must_visit: [...state.pinned],
    avoid: [...state.excluded],
  };
  // Kinds, industries and divisions to stay away from, as labels (企业, 鞋业, 洞头区).
  for (const name of ['avoid_kinds', 'avoid_industries', 'avoid_divisions', 'dietary_needs']) {
    const entries = list($(name).value);
    if (entries.length) profile[name] = entries;
  }
  const allergies = $('allergies').value.trim();
  if (allergies) profile.allergies = allergies;
  const city = $('city').value.trim();
  if (city) profile.city = city;
  return profile;
}

function fillForm(profile) {
  $('country').value = profile.country || '';
  $('city').value = profile.city || '';
  $('organisation_type').value = profile.organisation_type || 'other';
  $('size').value = profile.size || '';
  $('days').value = profile.days || 2;
  const dates = profile.visit && profile.visit.dates;
  $('start_date').value = dates && dates.length ? dates[0] : '';
  $('hotel').value = (profile.hotel && profile.hotel.division) || 'lucheng';
  $('interests').value = profile.interests || '';
  $('industries_sought').value = (profile.industries_sought || []).join(', ');
  $('offers').value = (profile.offers || []).join(', ');
  $('seeks').value = (profile.seeks || []).join(', ');
  $('languages').value = (profile.languages || []).join(', ');
  for (const name of ['avoid_kinds', 'avoid_industries', 'avoid_divisions', 'dietary_needs']) $(name).value = (profile[name] || []).join(', ');
  $('allergies').value = profile.allergies || '';
}

// ---- Matching -------------------------------------------------------------------------------

async function findBases(event) {
  event.preventDefault();
  const form = $('profile-form');
  clearErrors(form);
  $('status').textContent = t('matching');
  try {
    const outcome = await api('POST', '/v1/matches', { profile: profileFromForm(), top: 20 });
    state.matches = outcome.items;
    state.diversity = outcome.diversity;
    renderMatches();
    $('status').textContent = t('matched')(outcome.items.length);
  } catch (error) {
    $('status').textContent = '';
    showProblem(form, 'form-error', error);
  }
}

function renderMatches() {
  const box = $('matches');
  box.replaceChildren();
  for (const item of state.matches) {
    const name = state.lang === 'en' && item.name_en ? item.name_en : item.name_zh;
    const bar = el('span', { class: 'score-bar', title: `${t('score')} ${item.score.toFixed(2)}` }, el('span', { style: `width:${Math.round(item.score * 100)}%` }));
    const pin = el('input', { type: 'checkbox', id: `pin-${item.id}`, 'data-base': item.id, class: 'pin' });
    pin.checked = state.pinned.has(item.id);
    pin.addEventListener('change', () => toggle(state.pinned, state.excluded, item.id, pin.checked));
    const exclude = el('input', { type: 'checkbox', id: `exclude-${item.id}`, 'data-base': item.id, class: 'exclude' });
    exclude.checked = state.excluded.has(item.id);
    exclude.addEventListener('change', () => toggle(state.excluded, state.pinned, item.id, exclude.checked));
    const parts = (item.explanation.details || []).filter(d => d.feature);
    const breakdown = el('details', {}, el('summary', { text: t('breakdown') }),
      el('ul', { class: 'breakdown' }, ...parts.map(p => el('li', {
        'data-feature': p.feature,
        text: state.lang === 'en'
          ? `${label(FEATURES, p.feature)} (${p.value.toFixed(3)}): ${p.description}`
          : `${label(FEATURES, p.feature)}（${p.value.toFixed(3)}）：${p.description_zh || p.description}`,
      }))));
    const moved = !item.must_visit && item.score_rank !== item.rank;
    const movedNote = moved ? el('p', { class: 'moved', text: t('moved')(item.score_rank, item.rank) }) : '';
    box.append(el('li', { class: 'match-item', 'data-base': item.id, 'data-kind': item.kind },
      el('div', { class: 'match-head' }, el('span', { class: 'rank', text: `${item.rank}.` }), el('span', { class: 'name', text: name }),
        el('span', { text: divisionName(item.division) }), bar, el('span', { text: item.score.toFixed(2) })),
      el('p', { class: 'reason', text: state.lang === 'en' ? item.reason_en : item.reason_zh }),
      movedNote,
      el('div', { class: 'match-choices' },
        el('label', { for: pin.id }, pin, t('pin')), el('label', { for: exclude.id }, exclude, t('exclude'))),
      breakdown));
  }
  const reordered = state.matches.some(item => !item.must_visit && item.score_rank !== item.rank);
  $('diversity-note').textContent = reordered ? t('diversity_note')(state.diversity) : '';
  $('diversity-note').hidden = !reordered;
  $('matches-panel').hidden = state.matches.length === 0;
}

function toggle(set, other, id, on) {
  if (on) { set.add(id); other.delete(id); } else { set.delete(id); }
  renderMatches();
}

// ---- Planning -------------------------------------------------------------------------------

function planRequest() {
  const request = {
    profile: profileFromForm(),
    day_start: $('day_start').value,
    day_end: $('day_end').value,
    max_visits_per_day: Number($('max_visits').value || 4),
  };
  if ($('pace').value === 'relaxed') request.pace = 'relaxed';
  const escort = $('escort').value.trim();
  if (escort) request.escort = escort;
  if ($('banquet_on').checked) {
    request.banquet = { day: Number($('banquet_day').value || 1), start: $('banquet_start').value, minutes: Number($('banquet_minutes').value || 120) };
  }
  const appointments = [...document.querySelectorAll('#appointments li')].map(row => ({
    day: Number(row.querySelector('.a-day').value || 1), start: row.querySelector('.a-start').value,
    minutes: Number(row.querySelector('.a-minutes').value || 60), title_zh: row.querySelector('.a-title').value.trim(),
    place: { division: row.querySelector('.a-place').value },
  }));
  if (appointments.length) request.appointments = appointments;
  if (state.matches.length) {
    request.candidates = state.matches.filter(m => !state.excluded.has(m.id)).map(m => ({ base_id: m.id, score: m.score }));
  }
  // Re-planning the same delegation revises its calendar: the same event names, a higher
  // sequence, so a calendar that imported the last plan updates it instead of doubling it.
  const last = state.lastPlanRequest;
  if (state.lastPlan && last && delegationOf(last.profile) === delegationOf(request.profile)) {
    request.calendar_id = state.lastPlan.calendar_id;
    request.revision = state.lastPlan.revision + 1;
  }
  return request;
}

// One appointment row: day, start, length, what and where (a division).
function addAppointment() {
  const n = document.querySelectorAll('#appointments li').length + 1;
  const field = (cls, labelKey, input) => {
    input.id = `appt-${n}-${cls}`;
    input.className = `a-${cls}`;
    input.setAttribute('aria-describedby', 'err-appointments');
    return el('div', { class: 'field' }, el('label', { for: input.id, 'data-i18n': labelKey, text: t(labelKey) }), input);
  };
  const places = el('select', {}, ...state.divisions.map(d => el('option', { value: d.code, text: state.lang === 'en' ? d.en : d.zh })));
  places.value = $('hotel').value;
  const remove = el('button', { type: 'button', class: 'remove', 'data-i18n': 'remove', text: t('remove') });
  const row = el('li', { class: 'row' },
    field('day', 'banquet_day', el('input', { type: 'number', min: '1', value: '1' })),
    field('start', 'banquet_start', el('input', { type: 'time', value: '10:00' })),
    field('minutes', 'minutes', el('input', { type: 'number', min: '15', value: '60' })),
    field('title', 'appointment_title', el('input', { autocomplete: 'off' })),
    field('place', 'appointment_place', places), remove);
  remove.addEventListener('click', () => row.remove());
  $('appointments').append(row);
  row.querySelector('.a-title').focus();
}

// What makes two plans the same delegation's visit.
function delegationOf(profile) {
  return JSON.stringify([profile.country, profile.city, profile.organisation_type, profile.visit]);
}

async function planVisit() {
  const form = $('profile-form');
  clearErrors(form);
  $('status').textContent = t('planning');
  const request = planRequest();
  try {
    const plan = await api('POST', '/v1/itineraries', request);
    state.lastPlanRequest = request;
    state.lastPlan = plan;
    renderPlan(plan);
    $('status').textContent = t('planned')(plan.days.length, plan.visits);
    $('plan-panel').hidden = false;
  } catch (error) {
    $('status').textContent = '';
    showProblem(form, 'form-error', error);
  }
}

function renderPlan(plan) {
  const timeline = $('timeline');
  timeline.replaceChildren();
  plan.days.forEach((day, index) => {
    const colour = DAY_COLOURS[index % DAY_COLOURS.length];
    const events = el('ol');
    for (const event of day.events) {
      const title = state.lang === 'en' ? event.title_en : event.title_zh;
      const place = state.lang === 'en' ? event.place_en : event.place_zh;
      events.append(el('li', { class: `event ${event.kind}`, 'data-kind': event.kind, 'data-base': event.base_id || '' },
        el('span', { class: 'time', text: `${event.start}–${event.end}` }),
        el('span', { text: `${TEXT[state.lang].kinds_event[event.kind] || event.kind} · ${title}${event.kind === 'visit' ? ` (${place})` : ''}` })));
    }
    const weekday = TEXT[state.lang].weekdays[day.weekday] || day.weekday;
    const section = el('section', { class: 'day', style: `--day-colour:${colour}`, 'aria-label': t('day')(day.day, day.date, weekday) },
      el('h3', { text: `${t('day')(day.day, day.date, weekday)} · ${day.visits} ${t('visits')} · ${day.travel_minutes} ${t('driving')}` }),
      ...(day.calendar ? [el('p', { class: `holiday ${day.calendar.kind}`, 'data-kind': day.calendar.kind, text: state.lang === 'en' ? day.calendar.description_en : day.calendar.description_zh })] : []),
      events);
    timeline.append(section);
  });
  const checklist = plan.checklist || [];
  $('checklist').replaceChildren(...checklist.map(item => el('li', { 'data-code': item.code, 'data-base': item.base_id || '', text: state.lang === 'en' ? item.en : item.zh })));
  $('checklist-box').hidden = checklist.length === 0;
  const leftOut = $('left-out');
  leftOut.replaceChildren(...plan.left_out.map(l => el('li', { 'data-reason': l.reason, text: `${l.name_zh} — ${label(LEFT_OUT_REASONS, l.reason)}${state.lang === 'en' ? `: ${l.detail}` : ''}` })));
  drawMap(plan);
}

// ---- The map --------------------------------------------------------------------------------

function drawMap(plan) {
  const svg = $('map');
  svg.replaceChildren(el('title', { id: 'map-title', text: t('map_title') }));
  if (!state.outlines) return;
  const points = [];
  for (const feature of state.outlines.features) {
    const polygons = feature.geometry.type === 'MultiPolygon' ? feature.geometry.coordinates : [feature.geometry.coordinates];
    for (const polygon of polygons) for (const ring of polygon) points.push(...ring);
  }
  // Frame the day routes (with a margin) when there are any, so that visits a few kilometres
  // apart stay distinguishable; the whole city otherwise.
  const stops = plan.days.flatMap(day => day.events.filter(e => e.lat && e.lon).map(e => [e.lon, e.lat]));
  const framed = stops.length ? stops : points;
  let [minLon, maxLon] = [Math.min(...framed.map(p => p[0])), Math.max(...framed.map(p => p[0]))];
  let [minLat, maxLat] = [Math.min(...framed.map(p => p[1])), Math.max(...framed.map(p => p[1]))];
  if (stops.length) {
    const span = Math.max(maxLon - minLon, maxLat - minLat, 0.12) * 0.65;
    const [midLon, midLat] = [(minLon + maxLon) / 2, (minLat + maxLat) / 2];
    [minLon, maxLon, minLat, maxLat] = [midLon - span, midLon + span, midLat - span * 0.8, midLat + span * 0.8];
  }
  const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const width = 600, scale = width / ((maxLon - minLon) * kx), height = (maxLat - minLat) * scale;
  svg.setAttribute('viewBox', `0 0 ${width} ${Math.round(height)}`);
  svg.setAttribute('overflow', 'hidden');
  const project = ([lon, lat]) => [((lon - minLon) * kx * scale).toFixed(1), ((maxLat - lat) * scale).toFixed(1)];
  for (const feature of state.outlines.features) {
    const polygons = feature.geometry.type === 'MultiPolygon' ? feature.geometry.coordinates : [feature.geometry.coordinates];
    const d = polygons.map(polygon => polygon.map(ring => 'M' + ring.map(p => project(p).join(',')).join('L') + 'Z').join('')).join('');
    svg.append(svgEl('path', { class: 'division', d, 'data-division': feature.properties.code || '' }));
    const [x, y] = project(feature.properties.center);
    const label = svgEl('text', { class: 'division-label', x, y });
    label.textContent = state.lang === 'en' ? divisionName(feature.properties.code) : feature.properties.name;
    svg.append(label);
  }
  const legend = $('legend');
  legend.replaceChildren();
  const names = TEXT[state.lang].kinds_event;
  const hotels = new Map();
  plan.days.forEach((day, index) => {
    const colour = DAY_COLOURS[index % DAY_COLOURS.length];
    const stops = day.events.filter(e => ['depart', 'visit', 'appointment', 'lunch', 'banquet', 'return'].includes(e.kind) && e.lat && e.lon);
    const route = svgEl('polyline', { class: 'route', stroke: colour, 'data-day': day.day, points: stops.map(e => project([e.lon, e.lat]).join(',')).join(' ') });
    svg.append(route);
    // The day's stops, numbered in visiting order, each with a tooltip; the same numbers in the legend.
    const entries = el('ol', { class: 'legend-stops' });
    let n = 0;
    for (const stop of day.events.filter(e => ['visit', 'appointment', 'banquet'].includes(e.kind) && e.lat && e.lon)) {
      const title = state.lang === 'en' ? stop.title_en : stop.title_zh;
      const place = state.lang === 'en' ? stop.place_en : stop.place_zh;
      const [x, y] = project([stop.lon, stop.lat]);
      const group = svgEl('g', { class: `stop-mark ${stop.kind}`, 'data-base': stop.base_id || '', 'data-day': day.day, tabindex: '0' });
      const tip = svgEl('title', {});
      let mark;
      if (stop.kind === 'visit') {
        n += 1;
        tip.textContent = `${t('day')(day.day, day.date, '')}· ${n}. ${title} ${stop.start}–${stop.end}${place ? ` · ${place}` : ''}`;
        mark = [svgEl('circle', { class: 'stop', cx: x, cy: y, r: 8, fill: colour }), svgText('stop-label', x, Number(y) + 3.5, String(n))];
        entries.append(el('li', { value: String(n), text: `${title} ${stop.start}–${stop.end}` }));
      } else {
        // Appointments and banquets: a diamond, named in the legend by their kind.
        tip.textContent = `${t('day')(day.day, day.date, '')}· ${names[stop.kind]}：${title} ${stop.start}–${stop.end}${place ? ` · ${place}` : ''}`;
        const d = `M${x},${Number(y) - 8}L${Number(x) + 8},${y}L${x},${Number(y) + 8}L${Number(x) - 8},${y}Z`;
        mark = [svgEl('path', { class: 'appointment-mark', d, fill: colour })];
        entries.append(el('li', { class: 'legend-appointment', text: `◆ ${names[stop.kind]}：${title} ${stop.start}–${stop.end}` }));
      }
      group.append(tip, ...mark);
      svg.append(group);
    }
    for (const event of day.events.filter(e => ['depart', 'return'].includes(e.kind) && e.lat && e.lon)) {
      const place = state.lang === 'en' ? event.place_en : event.place_zh;
      hotels.set(`${event.lat},${event.lon}`, { lat: event.lat, lon: event.lon, name: place || event.title_zh });
    }
    legend.append(el('div', { class: 'legend-day', 'data-day': day.day },
      el('span', { class: 'legend-head' }, el('span', { class: 'swatch', style: `background:${colour}` }), t('day')(day.day, day.date, '')), entries));
  });
  // The hotel(s): a square marked 宿, drawn last so that routes do not hide them.
  for (const hotel of hotels.values()) {
    const [x, y] = project([hotel.lon, hotel.lat]);
    const group = svgEl('g', { class: 'hotel-mark' });
    const tip = svgEl('title', {});
    tip.textContent = `${t('hotel_mark')}：${hotel.name}`;
    group.append(tip, svgEl('rect', { x: Number(x) - 8, y: Number(y) - 8, width: 16, height: 16, rx: 2 }), svgText('hotel-label', x, Number(y) + 4, t('hotel_symbol')));
    svg.append(group);
  }
  if (hotels.size) legend.append(el('div', { class: 'legend-day' }, el('span', { class: 'legend-head' }, el('span', { class: 'swatch hotel' }, t('hotel_symbol')), `${t('hotel_mark')}：${[...hotels.values()].map(h => h.name).join('、')}`)));
  drawScaleBar(svg, scale, Number(svg.getAttribute('viewBox').split(' ')[3]));
}

// A scale bar in the lower left: the round length (1, 2, 5, 10… km) closest to 100 pixels.
function drawScaleBar(svg, scale, height) {
  // `scale` is pixels per degree of latitude (longitudes were shrunk to match); a degree is 111.32 km.
  const pixelsPerKm = scale / 111.32;
  const lengths = [0.5, 1, 2, 5, 10, 20, 50, 100];
  const km = lengths.reduce((best, length) => (Math.abs(length * pixelsPerKm - 100) < Math.abs(best * pixelsPerKm - 100) ? length : best));
  const width = km * pixelsPerKm;
  const [x, y] = [12, height - 14];
  const bar = svgEl('g', { class: 'scale-bar', 'data-km': String(km) });
  bar.append(svgEl('path', { d: `M${x},${y - 5}L${x},${y}L${(x + width).toFixed(1)},${y}L${(x + width).toFixed(1)},${y - 5}` }),
    svgText('scale-label', (x + width / 2).toFixed(1), y - 7, t('scale_km')(km)));
  svg.append(bar);
}

function svgText(cls, x, y, text) {
  const node = svgEl('text', { class: cls, x, y });
  node.textContent = text;
  return node;
}

function divisionName(code) {
  const division = state.divisions.find(d => d.code === code);
  if (!division) return code || '';
  return state.lang === 'en' ? division.en : division.zh;
}

// ---- Exports --------------------------------------------------------------------------------

async function exportPlan(format) {
  if (!state.lastPlanRequest) { $('status').textContent = t('no_plan_yet'); return; }
  try {
    const blob = await api('POST', `/v1/itineraries?format=${format}`, state.lastPlanRequest, '*/*');
    const url = URL.createObjectURL(blob);
    if (format === 'html') {
      window.open(url, '_blank');
    } else {
      const link = el('a', { href: url, download: `itinerary.${format}` });
      document.body.append(link);
      link.click();
      link.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    showProblem($('profile-form'), 'form-error', error);
  }
}

// ---- Visit records --------------------------------------------------------------------------

async function saveVisit() {
  if (!state.lastPlan) { $('save-status').textContent = t('no_plan_yet'); return; }
  const bases = state.lastPlan.days.flatMap(day => day.events.filter(e => e.kind === 'visit').map(e => e.base_id));
  const profile = { ...state.lastPlanRequest.profile };
  try {
    const record = await api('POST', '/v1/visits', { status: 'planned', profile, bases });
    $('save-status').textContent = t('saved_visit')(record.id);
  } catch (error) {
    const problem = error.problem || {};
    $('save-status').textContent = ['unauthenticated', 'forbidden'].includes(problem.code) ? t('needs_officer') : t('failed') + (problem.detail || error.message);
  }
}

// ---- The base library -----------------------------------------------------------------------

async function searchLibrary(event, offset = 0) {
  if (event) event.preventDefault();
  const form = $('library-form');
  clearErrors(form);
  const params = new URLSearchParams({ limit: '20', offset: String(offset) });
  const q = $('q').value.trim();
  if (q) params.set('q', q);
  for (const [name, id] of [['division', 'f-division'], ['kind', 'f-kind'], ['industry', 'f-industry'], ['group_size', 'f-group']]) {
    if ($(id).value) params.set(name, $(id).value);
  }
  $('library-status').textContent = t('searching');
  try {
    const page = await api('GET', `/v1/bases?${params}`);
    state.libraryOffset = offset;
    const hits = $('hits');
    hits.replaceChildren(...page.items.map(hit => {
      const base = hit.base;
      const button = el('button', { type: 'button', 'data-base': base.id, text: `${state.lang === 'en' && base.name_en ? base.name_en : base.name_zh} · ${divisionName(base.location.division)}` });
      button.addEventListener('click', () => showBase(base));
      return el('li', {}, button);
    }));
    $('prev').disabled = offset === 0;
    $('next').disabled = offset + page.items.length >= page.total;
    $('library-status').textContent = t('found')(page.items.length, page.total);
  } catch (error) {
    $('library-status').textContent = '';
    showProblem(form, 'library-error', error);
  }
}

function showBase(base) {
  const f = TEXT[state.lang].fields;
  const hours = Object.entries(base.opening_hours || {}).map(([day, ranges]) => `${TEXT[state.lang].weekdays[day] || day} ${[].concat(ranges).join(', ')}`).join('；');
  const rows = [
    [f.id, base.id], [f.kind, label(KINDS, base.kind)], [f.industries, base.industries.map(industryName).join(state.lang === 'en' ? ', ' : '、')],
    [f.division, divisionName(base.location.division)],
    [f.address, base.location.address_zh], [f.employees, base.size.employees ?? '—'], [f.needs, base.needs.join('；')],
    [f.promotion_points, base.promotion_points.join('；')], [f.description, state.lang === 'en' && base.description_en ? base.description_en : base.description_zh],
    [f.visit_minutes, base.visit_minutes], [f.opening_hours, hours], [f.max_group_size, base.max_group_size],
    [f.guide_languages, base.guide_languages.map(code => label(LANGUAGES, code)).join(state.lang === 'en' ? ', ' : '、')],
    [f.approval_required, base.approval_required ? `${t('yes')}${base.approved_until ? ` · ${t('approved_until')}${base.approved_until}` : ` · ${t('no_approval')}`}` : t('no')],
    [f.photo_policy, label(PHOTO_POLICIES, base.photo_policy)],
  ];
  // When it opens besides its weekly hours: public holidays, closed dates, meals it hosts.
  const holidays = base.opens_on_holidays ?? ['cultural_site', 'tourism_site'].includes(base.kind);
  rows.push([t('holidays_label'), holidays ? t('holidays_open') : t('holidays_closed')]);
  if ((base.closed_dates || []).length) rows.push([t('closed_dates_label'), base.closed_dates.join(state.lang === 'en' ? ', ' : '、')]);
  if ((base.meals || []).length) rows.push([t('meals_label'), base.meals.map(code => label(DIETS, code)).join(state.lang === 'en' ? ', ' : '、')]);
  const contact = [base.contact.name, base.contact.phone, base.contact.email].filter(Boolean).join(' · ');
  if (contact) rows.push([t('contact'), contact]);
  if (base.restricted) rows.push([t('restricted'), t('yes')]);
  if (base.status && base.status !== 'active') rows.push([f.status, t('statuses')[base.status]]);
  $('detail-heading').textContent = state.lang === 'en' && base.name_en ? base.name_en : base.name_zh;
  $('detail-fields').replaceChildren(...rows.flatMap(([label, value]) => [el('dt', { text: label }), el('dd', { text: String(value) })]));
  state.shownBase = base;
  showStaffActions();
  $('status-result').textContent = '';
  $('detail').hidden = false;
  $('detail').focus();
}

// ---- Adding and editing a base (admins), suspending and reactivating (officers) -------------

// The base form: record field, input type, labels. Field names are the import format's, so the
// server's errors name the input they belong to.
const BASE_FIELDS = [
  { name: 'id', type: 'text', zh: '编号', en: 'Id', newOnly: true },
  { name: 'name_zh', type: 'text', zh: '名称（中文）', en: 'Name (Chinese)' },
  { name: 'name_en', type: 'text', zh: '名称（英文）', en: 'Name (English)' },
  { name: 'kind', type: 'select', zh: '类型', en: 'Kind', options: () => Object.entries(KINDS) },
  { name: 'industries', type: 'list', zh: '产业', en: 'Industries' },
  { name: 'division', type: 'select', zh: '所在地区', en: 'Division', options: () => state.divisions.map(d => [d.code, [d.zh, d.en]]) },
  { name: 'address_zh', type: 'text', zh: '地址', en: 'Address' },
  { name: 'lat', type: 'number', zh: '纬度', en: 'Latitude', step: 'any' },
  { name: 'lon', type: 'number', zh: '经度', en: 'Longitude', step: 'any' },
  { name: 'employees', type: 'number', zh: '员工人数', en: 'Employees' },
  { name: 'needs', type: 'lines', zh: '主要需求', en: 'Main needs' },
  { name: 'promotion_points', type: 'lines', zh: '推介要点', en: 'Promotion points' },
  { name: 'description_zh', type: 'textarea', zh: '简介（中文）', en: 'Description (Chinese)' },
  { name: 'description_en', type: 'textarea', zh: '简介（英文）', en: 'Description (English)' },
  { name: 'visit_minutes', type: 'number', zh: '参观时长（分钟）', en: 'Visit length (min)' },
  { name: 'opening_hours', type: 'text', zh: '开放时间', en: 'Opening hours' },
  { name: 'closed_dates', type: 'list', zh: '闭馆日期', en: 'Closed dates' },
  { name: 'opens_on_holidays', type: 'select', yesNo: true, zh: '法定节假日', en: 'Public holidays',
    options: () => [['', ['按类型（景区、场馆开放，其他不开放）', 'As its kind (sites and museums open, others closed)']], ['true', ['开放', 'Open']], ['false', ['不开放', 'Closed']]] },
  { name: 'max_group_size', type: 'number', zh: '最多接待人数', en: 'Largest group' },
  { name: 'guide_languages', type: 'list', zh: '讲解语言', en: 'Guide languages' },
  { name: 'meals', type: 'list', zh: '餐饮接待', en: 'Meals for groups' },
  { name: 'photo_policy', type: 'select', zh: '拍照', en: 'Photographs', options: () => Object.entries(PHOTO_POLICIES) },
  { name: 'restricted', type: 'checkbox', zh: '不对外开放（内部）', en: 'Not open to foreign visitors' },
  { name: 'approval_required', type: 'checkbox', zh: '需事先审批', en: 'Needs approval beforehand' },
  { name: 'approved_until', type: 'date', zh: '审批有效期至', en: 'Approved until' },
  { name: 'needs_local_consent', type: 'checkbox', zh: '需属地同意', en: 'Needs local consent' },
  { name: 'contact_name', type: 'text', zh: '联系人', en: 'Contact' },
  { name: 'contact_phone', type: 'text', zh: '联系电话', en: 'Phone' },
  { name: 'contact_email', type: 'text', zh: '电子邮箱', en: 'Email' },
];

const WEEKDAY_ORDER = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

// Opening hours as the office writes them: runs of days with the same ranges (周一至周五 8:30-17:00).
function writtenHours(hours) {
  const names = TEXT.zh.weekdays;
  const clauses = [];
  let run = null;
  for (const day of WEEKDAY_ORDER) {
    const ranges = [].concat((hours || {})[day] || []).join('、');
    if (run && ranges && run.ranges === ranges && run.last === WEEKDAY_ORDER.indexOf(day) - 1) { run.last += 1; continue; }
    if (run) clauses.push(run);
    run = ranges ? { first: WEEKDAY_ORDER.indexOf(day), last: WEEKDAY_ORDER.indexOf(day), ranges } : null;
  }
  if (run) clauses.push(run);
  return clauses.map(c => `${names[WEEKDAY_ORDER[c.first]]}${c.last > c.first ? '至' + names[WEEKDAY_ORDER[c.last]] : ''} ${c.ranges}`).join('；');
}

// The form's values of a base, as the form shows them (labels, not codes).
function baseFormValues(base) {
  const join = state.lang === 'en' ? ', ' : '、';
  return {
    id: base.id, name_zh: base.name_zh, name_en: base.name_en || '', kind: base.kind,
    industries: base.industries.map(industryName).join(join), division: base.location.division,
    address_zh: base.location.address_zh, lat: String(base.location.lat), lon: String(base.location.lon),
    employees: base.size.employees == null ? '' : String(base.size.employees),
    needs: base.needs.join('\n'), promotion_points: base.promotion_points.join('\n'),
    description_zh: base.description_zh, description_en: base.description_en || '',
    visit_minutes: String(base.visit_minutes), opening_hours: writtenHours(base.opening_hours),
    closed_dates: (base.closed_dates || []).join(join),
    meals: (base.meals || []).map(code => label(DIETS, code)).join(join),
    opens_on_holidays: base.opens_on_holidays == null ? '' : String(base.opens_on_holidays),
    max_group_size: String(base.max_group_size), guide_languages: base.guide_languages.map(code => label(LANGUAGES, code)).join(join),
    photo_policy: base.photo_policy, restricted: base.restricted, approval_required: base.approval_required,
    approved_until: base.approved_until || '', needs_local_consent: Boolean(base.needs_local_consent),
    contact_name: base.contact.name || '', contact_phone: base.contact.phone || '', contact_email: base.contact.email || '',
  };
}

function buildBaseForm(isNew) {
  const box = $('base-fields');
  box.replaceChildren();
  for (const field of BASE_FIELDS) {
    if (field.newOnly && !isNew) continue;
    const id = `b-${field.name}`;
    const hint = (t('base_hints') || {})[field.name];
    const attrs = { id, name: field.name, 'aria-describedby': `err-${id}` };
    let input;
    if (field.type === 'select') {
      input = el('select', attrs, ...field.options().map(([code, names]) => el('option', { value: code, text: state.lang === 'en' ? names[1] : names[0] })));
    } else if (field.type === 'textarea' || field.type === 'lines') {
      input = el('textarea', { ...attrs, rows: field.type === 'lines' ? '3' : '2' });
    } else if (field.type === 'checkbox') {
      input = el('input', { ...attrs, type: 'checkbox' });
    } else {
      input = el('input', { ...attrs, type: ['number', 'date'].includes(field.type) ? field.type : 'text', ...(field.step ? { step: field.step } : {}) });
    }
    const labelText = state.lang === 'en' ? field.en : field.zh;
    const row = field.type === 'checkbox'
      ? el('div', { class: 'field check' }, el('label', { for: id }, input, ` ${labelText}`))
      : el('div', { class: 'field' }, el('label', { for: id, text: labelText }), input);
    if (hint) row.append(el('p', { class: 'hint', text: hint }));
    row.append(el('p', { class: 'field-error', id: `err-${id}`, hidden: '' }));
    box.append(row);
  }
}

function readBaseForm() {
  const values = {};
  for (const field of BASE_FIELDS) {
    const input = $(`b-${field.name}`);
    if (!input) continue;
    values[field.name] = field.type === 'checkbox' ? input.checked : input.value;
  }
  return values;
}

function fillBaseForm(values) {
  for (const [name, value] of Object.entries(values)) {
    const input = $(`b-${name}`);
    if (!input) continue;
    if (input.type === 'checkbox') input.checked = Boolean(value); else input.value = value;
  }
}

// A form value as the record takes it: lists split, numbers read, blanks left out (null in a patch).
function recordValue(name, value) {
  const field = BASE_FIELDS.find(f => f.name === name);
  if (field.type === 'checkbox') return value;
  const text = String(value).trim();
  if (!text) return null;
  if (field.yesNo) return text === 'true';
  if (field.type === 'list') return text.split(/[,，、;；]/).map(s => s.trim()).filter(Boolean);
  if (field.type === 'lines') return text.split('\n').map(s => s.trim()).filter(Boolean);
  if (field.type === 'number') return Number(text);
  return text;
}

async function openBaseEditor(id) {
  const form = $('base-form');
  clearErrors(form);
  $('base-status').textContent = '';
  $('base-reload').hidden = true;
  buildBaseForm(!id);
  if (id) {
    const response = await send('GET', `/v1/bases/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
    const base = await response.json();
    if (!response.ok) throw new ApiProblem(base);
    state.editing = { id, etag: response.headers.get('etag'), original: baseFormValues(base) };
    fillBaseForm(state.editing.original);
    $('base-form-heading').textContent = t('edit_base_heading')(base.name_zh);
  } else {
    state.editing = { id: null };
    fillBaseForm({ kind: 'enterprise', division: 'lucheng', photo_policy: 'allowed', visit_minutes: '60', max_group_size: '30', guide_languages: state.lang === 'en' ? 'Chinese' : '中文' });
    $('base-form-heading').textContent = t('new_base_heading');
  }
  form.hidden = false;
  form.querySelector('input, select, textarea').focus();
}

async function saveBase(event) {
  event.preventDefault();
  const form = $('base-form');
  clearErrors(form);
  $('base-status').textContent = '';
  const values = readBaseForm();
  const editing = state.editing;
  let request;
  if (editing.id) {
    // Only what changed is sent (a merge patch), so fields the form does not show stay as they are.
    const patch = {};
    for (const [name, value] of Object.entries(values)) {
      if (value !== editing.original[name]) patch[name] = recordValue(name, value);
    }
    if (!Object.keys(patch).length) { $('base-status').textContent = t('nothing_changed'); return; }
    request = send('PATCH', `/v1/bases/${encodeURIComponent(editing.id)}`, {
      headers: { 'content-type': 'application/merge-patch+json', accept: 'application/json', 'if-match': editing.etag }, body: JSON.stringify(patch),
    });
  } else {
    const record = {};
    for (const [name, value] of Object.entries(values)) {
      const converted = recordValue(name, value);
      if (converted !== null) record[name] = converted;
    }
    request = send('POST', '/v1/bases', { headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(record) });
  }
  const response = await request;
  const body = await response.json();
  if (response.ok) {
    state.editing = { id: body.id, etag: response.headers.get('etag'), original: baseFormValues(body) };
    $('base-status').textContent = (editing.id ? t('base_saved') : t('base_created'))(body.name_zh);
    form.hidden = true;
    showBase(body);
    $('base-status').textContent = '';
    $('status-result').textContent = (editing.id ? t('base_saved') : t('base_created'))(body.name_zh);
    return;
  }
  const box = $('base-error');
  if (body.code === 'precondition_failed') {
    box.textContent = t('base_conflict');
    box.hidden = false;
    $('base-reload').hidden = false;
    $('base-reload').focus();
  } else if (body.code === 'base_exists') {
    $('err-b-id').textContent = t('base_exists')(values.id);
    $('err-b-id').hidden = false;
    $('b-id').setAttribute('aria-invalid', 'true');
    $('b-id').focus();
  } else if (['unauthenticated', 'forbidden', 'session_expired'].includes(body.code)) {
    box.textContent = t('needs_admin');
    box.hidden = false;
  } else {
    showProblem(form, 'base-error', new ApiProblem(body), 'b-');
  }
}

// Suspends or reactivates the base shown (a review decision; suspending needs a note).
async function changeBaseStatus(decision) {
  const id = state.shownBase && state.shownBase.id;
  if (!id) return;
  const note = $('status-note');
  $('err-status-note').hidden = true;
  note.removeAttribute('aria-invalid');
  try {
    const reviewed = await api('POST', `/v1/bases/${encodeURIComponent(id)}/review`, { decision, note: note.value.trim() || undefined });
    note.value = '';
    showBase(reviewed);
    $('status-result').textContent = t('status_changed')(reviewed.name_zh, t('statuses')[reviewed.status]);
  } catch (failure) {
    const problem = failure.problem || {};
    $('err-status-note').textContent = (problem.errors || []).map(e => e.message).join('；') || problem.detail || String(failure);
    $('err-status-note').hidden = false;
    note.setAttribute('aria-invalid', 'true');
    note.focus();
  }
}

// ---- The outbound-route library -------------------------------------------------------------

async function suggestRoutes(event) {
  event.preventDefault();
  const form = $('outbound-form');
  clearErrors(form);
  const query = { top: 5, bases: list($('o-bases').value) };
  const needs = $('o-needs').value.trim();
  if (needs) query.needs = needs;
  if ($('o-theme').value) query.theme = $('o-theme').value;
  $('outbound-status').textContent = t('searching');
  try {
    const found = await api('POST', '/v1/outbound-routes/suggest', query);
    state.suggestions = found;
    renderSuggestions();
    $('outbound-status').textContent = t('suggested')(found.routes.length);
  } catch (error) {
    $('outbound-status').textContent = '';
    showProblem(form, 'outbound-error', error, 'o-');
  }
}

function renderSuggestions() {
  const found = state.suggestions;
  if (!found) return;
  const en = state.lang === 'en';
  const links = (heading, bases) => bases.length
    ? [el('p', { text: heading }), el('ul', { class: 'route-bases' }, ...bases.map(b => el('li', { 'data-base': b.id, text: `${b.name_zh} · ${divisionName(b.division)} — ${b.text}` })))]
    : [];
  $('routes').replaceChildren(...found.routes.map((route, index) => {
    const check = el('button', { type: 'button', class: 'check-route', 'data-route': route.id, text: t('check_this') });
    check.addEventListener('click', () => { $('t-route').value = route.id; $('t-days').focus(); });
    return el('li', { class: 'route-item', 'data-route': route.id },
      el('div', { class: 'match-head' }, el('span', { class: 'rank', text: `${index + 1}.` }),
        el('span', { class: 'name', text: en ? route.title_en : route.title_zh }), el('span', { text: route.country }),
        el('span', { class: 'score-bar' }, el('span', { style: `width:${Math.round(route.score * 100)}%` })), el('span', { text: route.score.toFixed(2) })),
      el('p', { class: 'reason', text: (en ? route.reasons_en : route.reasons_zh).join(en ? '; ' : '；') }),
      ...links(t('served'), route.bases_served), ...links(t('promote'), route.bases_to_promote),
      el('div', { class: 'actions' }, check, editButton(route.id)));
  }));
  showStaffActions();
  $('countries').textContent = t('countries') + found.countries.map(c => `${en ? c.en : c.zh} ${c.score.toFixed(2)}`).join(', ');
  $('routes-panel').hidden = false;
}

async function checkTrip(event) {
  event.preventDefault();
  const form = $('trip-form');
  clearErrors(form);
  const plan = { route: $('t-route').value, days: Number($('t-days').value || 0), members: Number($('t-members').value || 0) };
  if ($('t-purpose').value.trim()) plan.purpose_zh = $('t-purpose').value.trim();
  try {
    const checked = await api('POST', '/v1/outbound-routes/check', plan);
    const en = state.lang === 'en';
    $('trip-flags').replaceChildren(...checked.flags.map(f => el('li', { 'data-flag': f.code, text: en ? f.message_en : f.message_zh })));
    $('trip-summary').textContent = checked.summary_zh;
    if (!checked.flags.length) $('trip-flags').replaceChildren();
    $('trip-panel').hidden = false;
  } catch (error) {
    showProblem(form, 'trip-error', error, 't-');
  }
}


// ---- Editing an outbound route (officers), with the trip check on the edited stops ----------

const STOP_TEXT_FIELDS = ['city', 'institution_zh', 'institution_en', 'purpose_zh', 'purpose_en'];

function editButton(id) {
  const button = el('button', { type: 'button', class: 'edit-route officer-only', 'data-route': id, text: t('edit_route') });
  button.addEventListener('click', () => openRouteEditor(id).catch(error => { $('route-status').textContent = t('failed') + error.message; }));
  return button;
}

async function openRouteEditor(id) {
  const response = await send('GET', `/v1/outbound-routes/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
  const detail = await response.json();
  if (!response.ok) throw new ApiProblem(detail);
  const route = detail.route;
  state.editingRoute = { route, etag: response.headers.get('etag') };
  const form = $('route-form');
  clearErrors(form);
  $('route-flags').replaceChildren();
  $('route-status').textContent = '';
  $('route-reload').hidden = true;
  $('route-form-heading').textContent = t('edit_route_heading')(state.lang === 'en' ? route.title_en : route.title_zh);
  $('r-title_zh').value = route.title_zh;
  $('r-title_en').value = route.title_en;
  $('r-days').value = String(route.stops.reduce((sum, stop) => sum + stop.days, 0) + 2);
  $('route-stops').replaceChildren(...route.stops.map(stopRow));
  renumberStops();
  form.hidden = false;
  $('r-title_zh').focus();
}

// One stop in the editor: its texts, days, months and the route's tasks it serves.
function stopRow(stop) {
  const route = state.editingRoute.route;
  const names = t('stop_fields');
  const row = el('li', { class: 'route-stop' });
  const fields = el('div', { class: 'stop-fields' });
  for (const name of [...STOP_TEXT_FIELDS, 'days', 'best_months']) {
    const input = el('input', { 'data-field': name, type: name === 'days' ? 'number' : 'text', ...(name === 'days' ? { min: '1', max: '30' } : {}) });
    input.value = name === 'best_months' ? (stop.best_months || []).join(',') : String(stop[name] ?? '');
    fields.append(el('div', { class: 'field' }, el('label', { 'data-label': name, text: names[name] }), input, el('p', { class: 'field-error', 'data-error': name, hidden: '' })));
  }
  const tasks = el('fieldset', { class: 'stop-tasks' }, el('legend', { text: names.tasks }),
    ...route.tasks.map(task => {
      const box = el('input', { type: 'checkbox', value: task.code, 'data-task': task.code });
      box.checked = (stop.tasks || []).includes(task.code);
      return el('label', {}, box, ` ${state.lang === 'en' ? task.en : task.zh}`);
    }), el('p', { class: 'field-error', 'data-error': 'tasks', hidden: '' }));
  const up = el('button', { type: 'button', text: t('move_up') });
  const down = el('button', { type: 'button', text: t('move_down') });
  const remove = el('button', { type: 'button', text: t('remove') });
  up.addEventListener('click', () => { if (row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling); renumberStops(); });
  down.addEventListener('click', () => { if (row.nextElementSibling) row.parentNode.insertBefore(row.nextElementSibling, row); renumberStops(); });
  remove.addEventListener('click', () => { row.remove(); renumberStops(); });
  row.append(el('h4', { class: 'stop-heading' }), fields, tasks, el('div', { class: 'actions' }, up, down, remove));
  return row;
}

// Ids follow the order (r-stops-0-days…), so that a server error naming stops[1].days lands next
// to the second stop's days.
function renumberStops() {
  [...$('route-stops').children].forEach((row, index) => {
    row.querySelector('.stop-heading').textContent = t('stop_n')(index + 1);
    for (const input of row.querySelectorAll('[data-field]')) {
      input.id = `r-stops-${index}-${input.dataset.field}`;
      input.setAttribute('aria-describedby', `err-r-stops-${index}-${input.dataset.field}`);
      input.parentNode.querySelector('label').setAttribute('for', input.id);
      input.parentNode.querySelector('.field-error').id = `err-r-stops-${index}-${input.dataset.field}`;
    }
    row.querySelector('.stop-tasks .field-error').id = `err-r-stops-${index}-tasks`;
  });
}

function editedStops() {
  return [...$('route-stops').children].map(row => {
    const value = name => row.querySelector(`[data-field="${name}"]`).value.trim();
    const stop = {};
    for (const name of STOP_TEXT_FIELDS) stop[name] = value(name);
    stop.days = Number(value('days') || 0);
    stop.best_months = value('best_months').split(/[,，、\s]+/).filter(Boolean).map(Number);
    stop.tasks = [...row.querySelectorAll('[data-task]:checked')].map(box => box.value);
    return stop;
  });
}

// Shows each error next to its input (`stops[1].days` → the second stop's days).
function showRouteProblem(problem) {
  const general = [];
  for (const item of problem.errors || []) {
    const id = `r-${item.field.replace(/\[(\d+)\]\./g, '-$1-')}`;
    const box = $(`err-${id}`);
    if (box) {
      box.textContent = item.message;
      box.hidden = false;
      const input = $(id);
      if (input) input.setAttribute('aria-invalid', 'true');
    } else {
      general.push(`${item.field}: ${item.message}`);
    }
  }
  if (general.length || !(problem.errors || []).length) {
    $('route-error').textContent = t('failed') + (general.length ? general.join('；') : (problem.detail || problem.title));
    $('route-error').hidden = false;
  }
  const first = $('route-form').querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

async function checkEditedRoute() {
  const form = $('route-form');
  clearErrors(form);
  const route = state.editingRoute.route;
  const plan = {
    stops: editedStops().map(stop => ({ country: route.country, city: stop.city, purpose_zh: stop.purpose_zh, days: stop.days, tasks: stop.tasks })),
    days: Number($('r-days').value || 0), members: Number($('r-members').value || 0), purpose_zh: $('r-title_zh').value.trim() || route.title_zh,
  };
  const response = await send('POST', '/v1/outbound-routes/check', { headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(plan) });
  const body = await response.json();
  if (!response.ok) { showRouteProblem(body); return; }
  const en = state.lang === 'en';
  $('route-flags').replaceChildren(...body.flags.map(f => el('li', { 'data-flag': f.code, text: en ? f.message_en : f.message_zh })));
  $('route-status').textContent = body.flags.length ? '' : t('route_clean');
}

async function saveRoute(event) {
  event.preventDefault();
  const form = $('route-form');
  clearErrors(form);
  const { route, etag } = state.editingRoute;
  const edited = { ...route, title_zh: $('r-title_zh').value.trim(), title_en: $('r-title_en').value.trim(), stops: editedStops() };
  const response = await send('PUT', `/v1/outbound-routes/${encodeURIComponent(route.id)}`, {
    headers: { 'content-type': 'application/json', accept: 'application/json', 'if-match': etag }, body: JSON.stringify(edited),
  });
  const body = await response.json();
  if (response.ok) {
    state.editingRoute = { route: body, etag: response.headers.get('etag') };
    $('route-status').textContent = t('route_saved')(state.lang === 'en' ? body.title_en : body.title_zh);
    return;
  }
  if (body.code === 'precondition_failed') {
    $('route-error').textContent = t('route_conflict');
    $('route-error').hidden = false;
    $('route-reload').hidden = false;
    $('route-reload').focus();
  } else {
    showRouteProblem(body);
  }
}

// ---- Survey intake: import, review, progress ----------------------------------------------

const MEDIA_TYPES = { xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv', jsonl: 'application/x-ndjson' };

// Uploads a file as the request body (the import takes the file itself, not a form).
async function upload(path, file) {
  const extension = file.name.split('.').pop().toLowerCase();
  const headers = { 'content-type': MEDIA_TYPES[extension] || 'text/csv', accept: 'application/json' };
  const response = await send('POST', path, { headers, body: file });
  const body = await response.json();
  if (!response.ok) throw new ApiProblem(body);
  return body;
}

function divisionLabel(code) {
  const division = state.divisions.find(d => d.code === code);
  return division ? (state.lang === 'en' ? division.en : division.zh) : code;
}

// The query of an import: candidates and their division, and the labels mapped in the table.
function importQuery(dryRun) {
  const query = new URLSearchParams();
  if (dryRun) query.set('dry_run', 'true');
  const submitted = $('i-submitted_by').value;
  if (submitted) query.set('submitted_by', submitted);
  const mapped = [...$('labels-table').querySelectorAll('select')].filter(select => select.value).map(select => `${select.dataset.label}:${select.value}`);
  if (mapped.length) query.set('map', mapped.join(','));
  if (!dryRun && $('i-remember').checked && mapped.length) query.set('remember_labels', 'true');
  return query.toString();
}

function problemLine(error) {
  const field = t('import_fields')[error.field] || error.field;
  return `${error.line ? t('line')(error.line) + ' · ' : ''}${field}：${error.message}`;
}

function renderUnknownLabels(unknown) {
  const body = $('labels-table').querySelector('tbody');
  const kept = Object.fromEntries([...body.querySelectorAll('select')].map(select => [select.dataset.label, select.value]));
  body.replaceChildren(...unknown.map(group => {
    const select = el('select', { 'data-label': group.label, id: `map-${group.label}`, 'aria-label': t('l_industry_of')(group.label) });
    select.append(el('option', { value: '', text: '—' }), ...state.industries.map(i => el('option', { value: i.code, text: state.lang === 'en' ? i.en : i.zh })));
    select.value = kept[group.label] || group.proposed || '';
    return el('tr', {}, el('td', { text: group.label }), el('td', { class: 'num', text: String(group.count) }),
      el('td', { text: group.lines.join(', ') }), el('td', {}, select));
  }));
  $('labels-panel').hidden = unknown.length === 0 && body.children.length === 0;
}

async function previewImport(event) {
  event.preventDefault();
  const form = $('import-form');
  clearErrors(form);
  $('i-confirm').disabled = true;
  const file = $('i-file').files[0];
  if (!file) {
    $('err-i-file').textContent = t('choose_file');
    $('err-i-file').hidden = false;
    $('i-file').focus();
    return;
  }
  $('import-status').textContent = t('previewing');
  $('preview-panel').hidden = false;
  $('problems').replaceChildren();
  try {
    const outcome = await upload(`/v1/bases/import?${importQuery(true)}`, file);
    const preview = outcome.preview;
    const arrival = t('statuses')[preview.arrival] || preview.arrival;
    const items = [el('li', { text: t('preview_ok')(preview.inserted.length, preview.updated.length, preview.unchanged, arrival) })];
    for (const changed of preview.updated) items.push(el('li', { text: `${changed.id} · ${t('changed_fields')}${changed.fields.map(f => t('import_fields')[f] || f).join('、')}` }));
    for (const near of preview.near_duplicates) items.push(el('li', { class: 'duplicates', text: `${near.id} · ${t('duplicate_of')}${near.other_name_zh}（${near.other_id}，${t('statuses')[near.other_status]}）` }));
    $('preview-summary').replaceChildren(...items);
    $('import-status').textContent = '';
    $('i-confirm').disabled = false;
  } catch (error) {
    const problem = error.problem || { detail: String(error) };
    renderUnknownLabels(problem.unknown_labels || []);
    const errors = (problem.errors || []).filter(e => !(e.field === 'industries' && e.value && (problem.unknown_labels || []).some(u => u.label === e.value)));
    $('preview-summary').replaceChildren(el('li', { text: problem.errors ? t('preview_bad')(problem.errors.length) : (problem.detail || problem.title) }));
    $('problems').replaceChildren(...errors.map(e => el('li', { text: problemLine(e) })));
    $('import-status').textContent = '';
    if (problem.status === 401 || problem.status === 403) showProblem(form, 'import-error', error, 'i-');
  }
}

async function confirmImport() {
  const file = $('i-file').files[0];
  if (!file) return;
  $('i-confirm').disabled = true;
  $('import-status').textContent = t('importing');
  try {
    const outcome = await upload(`/v1/bases/import?${importQuery(false)}`, file);
    $('import-status').textContent = t('imported')(outcome.inserted, outcome.updated);
    $('labels-table').querySelector('tbody').replaceChildren();
    $('labels-panel').hidden = true;
    if ($('i-submitted_by').value) loadQueue();
  } catch (error) {
    $('import-status').textContent = '';
    showProblem($('import-form'), 'import-error', error, 'i-');
  }
}

async function loadQueue() {
  $('queue-status').textContent = '';
  try {
    const queue = await api('GET', '/v1/screening?limit=50');
    $('queue-status').textContent = t('queue_count')(queue.total);
    $('queue').replaceChildren(...queue.items.map(item => queueItem(item)));
  } catch (error) {
    $('queue-status').textContent = (error.problem && [401, 403].includes(error.problem.status)) ? t('needs_staff') : t('failed') + error.message;
  }
}

function queueItem(item) {
  const base = item.base;
  const noteId = `note-${base.id}`;
  const note = el('input', { id: noteId, 'aria-describedby': `err-${noteId}` });
  const error = el('p', { class: 'field-error', id: `err-${noteId}`, hidden: '' });
  const decide = decision => async () => {
    error.hidden = true;
    try {
      const reviewed = await api('POST', `/v1/bases/${encodeURIComponent(base.id)}/review`, { decision, note: note.value || undefined });
      $('queue-status').textContent = t('reviewed')(reviewed.name_zh, t('statuses')[reviewed.status]);
      li.remove();
    } catch (failure) {
      const problem = failure.problem || {};
      error.textContent = (problem.errors || []).map(e => e.message).join('；') || problem.detail || String(failure);
      error.hidden = false;
      note.setAttribute('aria-invalid', 'true');
      note.focus();
    }
  };
  const approve = el('button', { type: 'button', class: 'primary', text: t('approve') });
  const reject = el('button', { type: 'button', text: t('reject') });
  approve.addEventListener('click', decide('approve'));
  reject.addEventListener('click', decide('reject'));
  // Each possible duplicate side by side with the candidate, row by row.
  const f = TEXT[state.lang].fields;
  const duplicates = item.near_duplicates.map(d => el('table', { class: 'duplicates' },
    el('caption', { text: `${t('duplicate_of')}${d.other_name_zh}（${t('duplicate_reasons')[d.reason]}）` }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: '' }), el('th', { scope: 'col', text: t('candidate_column') }), el('th', { scope: 'col', text: t('library_column') }))),
    el('tbody', {}, ...[
      [f.id, base.id, d.other_id],
      [f.name, base.name_zh, d.other_name_zh],
      [f.address, base.location.address_zh, d.other_address_zh],
      [f.division, divisionLabel(base.location.division), divisionLabel(d.other_division)],
      [f.kind, label(KINDS, base.kind), label(KINDS, d.other_kind)],
      [f.max_group_size, base.max_group_size, d.other_max_group_size],
      [f.status, t('statuses')[base.status || 'candidate'], t('statuses')[d.other_status]],
    ].map(([name, mine, theirs]) => el('tr', { class: String(mine) === String(theirs) ? 'same' : '' },
      el('th', { scope: 'row', text: name }), el('td', { text: String(mine) }), el('td', { text: String(theirs) }))))));
  const li = el('li', { 'data-id': base.id },
    el('h3', { text: `${base.name_zh}${base.name_en ? ' · ' + base.name_en : ''}` }),
    el('p', { text: `${divisionLabel(base.location.division)} · ${base.location.address_zh} · ${t('submitted_by')}：${divisionLabel(base.submitted_by || base.location.division)}` }),
    ...duplicates,
    el('div', { class: 'field' }, el('label', { for: noteId, text: t('review_note') }), note, error),
    el('div', { class: 'actions' }, approve, reject));
  return li;
}

async function loadSurvey() {
  $('survey-status').textContent = '';
  try {
    const survey = await api('GET', '/v1/survey');
    const statuses = ['candidate', 'active', 'rejected', 'suspended'];
    const theme = code => { const found = state.themes.find(th => th.code === code); return found ? (state.lang === 'en' ? found.en : found.zh) : code; };
    $('survey-table').querySelector('thead').replaceChildren(el('tr', {}, el('th', { scope: 'col', text: t('survey_division') }),
      ...statuses.map(s => el('th', { scope: 'col', class: 'num', text: t('statuses')[s] })), el('th', { scope: 'col', class: 'num', text: t('survey_total') }),
      el('th', { scope: 'col', text: t('survey_missing') })));
    const row = (name, counts, missing) => el('tr', {}, el('th', { scope: 'row', text: name }),
      ...statuses.map(s => el('td', { class: 'num', text: String(counts[s]) })), el('td', { class: 'num', text: String(counts.total) }),
      el('td', { text: missing.map(theme).join(state.lang === 'en' ? ', ' : '、') }));
    $('survey-table').querySelector('tbody').replaceChildren(
      ...survey.divisions.map(d => row((d.parent ? '　' : '') + (state.lang === 'en' ? d.division.en : d.division.zh), d.by_status, d.themes_missing)),
      row(t('survey_city'), survey.totals, []));
    $('survey-table').hidden = false;
  } catch (error) {
    $('survey-status').textContent = (error.problem && [401, 403].includes(error.problem.status)) ? t('needs_staff') : t('failed') + error.message;
  }
}

// ---- Visit records: confirm, cancel, record the outcome --------------------------------------

// One visit record with its ETag (changes are conditional on it).
async function visitWithEtag(id) {
  const response = await send('GET', `/v1/visits/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new ApiProblem(body);
  return { record: body, etag: response.headers.get('etag') };
}

async function putVisit(id, visit, etag) {
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'if-match': etag };
  const response = await send('PUT', `/v1/visits/${encodeURIComponent(id)}`, { headers, body: JSON.stringify(visit) });
  const body = await response.json();
  if (!response.ok) throw new ApiProblem(body);
  return body;
}

async function listVisits(event) {
  if (event) event.preventDefault();
  const status = $('v-status').value;
  try {
    const page = await api('GET', `/v1/visits?limit=100${status ? `&status=${status}` : ''}`);
    $('visits-status').textContent = t('v_count')(page.total);
    $('visits').replaceChildren(...page.items.map(visitItem));
  } catch (error) {
    $('visits-status').textContent = (error.problem && [401, 403].includes(error.problem.status)) ? t('needs_staff') : t('failed') + error.message;
  }
}

// Changes a visit as `change` says, on its current version; a conflict reloads the list.
async function changeVisit(id, change, errorBox) {
  try {
    const { record, etag } = await visitWithEtag(id);
    const visit = change(structuredClone(record.visit));
    const saved = await putVisit(id, visit, etag);
    $('visits-status').textContent = t('v_changed')(id, t('visit_statuses')[saved.visit.status]);
    await listVisits();
  } catch (error) {
    await stepFailed(error, errorBox, $('visits-status'), t('v_conflict'), listVisits);
  }
}

// A change refused: one saved meanwhile by someone else reloads the list with a word; any
// other refusal is shown next to the record.
async function stepFailed(error, errorBox, statusLine, conflictText, reload) {
  const problem = error.problem || {};
  if (problem.status === 412) {
    statusLine.textContent = conflictText;
    await reload();
    return;
  }
  errorBox.textContent = (problem.errors || []).map(e => `${e.field}: ${e.message}`).join('；') || problem.detail || String(error);
  errorBox.hidden = false;
}

function visitItem(record) {
  const visit = record.visit;
  const profile = visit.profile;
  const dates = (profile.visit.dates || []).join(' – ');
  const error = el('p', { class: 'field-error', role: 'alert', hidden: '' });
  const actions = el('div', { class: 'actions' });
  const button = (text, onClick, primary = false) => {
    const node = el('button', { type: 'button', class: primary ? 'primary' : '', text });
    node.addEventListener('click', onClick);
    actions.append(node);
  };
  const li = el('li', { class: 'visit-item', 'data-visit': record.id, 'data-status': visit.status },
    el('h3', { text: `${record.id} · ${profile.country}${profile.city ? ' ' + profile.city : ''} · ${profile.size} · ${dates}` }),
    el('p', { text: `${t('visit_statuses')[visit.status]} · ${t('v_bases')}：${visit.bases.join('、')}` }));
  if (visit.status === 'planned') button(t('v_confirm'), () => changeVisit(record.id, v => ({ ...v, status: 'confirmed' }), error), true);
  if (visit.status === 'planned' || visit.status === 'confirmed') {
    button(t('v_outcome'), () => li.append(outcomeForm(record, error)), visit.status === 'confirmed');
    button(t('v_cancel'), () => changeVisit(record.id, v => ({ ...v, status: 'cancelled' }), error));
  }
  if (visit.outcome) {
    const o = visit.outcome;
    li.append(el('p', { text: `${t('v_satisfaction')} ${o.satisfaction} · ${t('v_agreements')} ${o.agreements_signed} · ${t('v_projects')} ${o.follow_up_projects}${o.notes ? ' · ' + o.notes : ''}` }));
  }
  li.append(actions, error);
  return li;
}

function outcomeForm(record, error) {
  const id = record.id;
  const field = (name, input) => el('div', { class: 'field' }, el('label', { for: `${name}-${id}`, text: t(name) }), input);
  const number = (name, min, max, value) => el('input', { id: `${name}-${id}`, type: 'number', min: String(min), max: String(max), value: String(value) });
  const agreements = number('v_agreements', 0, 1000, 0);
  const projects = number('v_projects', 0, 1000, 0);
  const satisfaction = el('select', { id: `v_satisfaction-${id}` }, ...[5, 4, 3, 2, 1].map(n => el('option', { value: String(n), text: String(n) })));
  satisfaction.value = '4';
  const notes = el('textarea', { id: `v_notes-${id}`, rows: '2' });
  const productive = el('fieldset', {}, el('legend', { text: t('v_productive') }),
    ...record.visit.bases.map(base => el('label', { for: `p-${id}-${base}` }, el('input', { type: 'checkbox', id: `p-${id}-${base}`, value: base }), ` ${base}`)));
  const save = el('button', { type: 'button', class: 'primary', text: t('v_save_outcome') });
  const form = el('div', { class: 'outcome' }, productive, field('v_agreements', agreements), field('v_projects', projects),
    field('v_satisfaction', satisfaction), field('v_notes', notes), el('div', { class: 'actions' }, save));
  save.addEventListener('click', () => changeVisit(id, v => ({
    ...v,
    status: 'completed',
    outcome: {
      productive_bases: [...productive.querySelectorAll('input:checked')].map(box => box.value),
      agreements_signed: Number(agreements.value || 0),
      follow_up_projects: Number(projects.value || 0),
      satisfaction: Number(satisfaction.value),
      notes: notes.value.trim() || undefined,
    },
  }), error));
  return form;
}

// ---- Language, tabs and start-up ----------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-i18n]').forEach(node => { node.textContent = t(node.dataset.i18n); });
  $('lang').textContent = state.lang === 'zh' ? 'English' : '中文';
  $('lang').setAttribute('aria-label', state.lang === 'zh' ? 'Switch to English' : '切换到中文');
  document.title = t('title');
  fillSelects();
  if (state.matches.length) renderMatches();
  if (state.lastPlan) renderPlan(state.lastPlan);
  renderSuggestions();
  if (state.session) showSignedIn(state.session);
}

function fillSelects() {
  const keep = id => $(id).value;
  const organisation = keep('organisation_type');
  $('organisation_type').replaceChildren(...Object.entries(ORGANISATION_TYPES).map(([code, names]) => el('option', { value: code, text: state.lang === 'en' ? names[1] : names[0] })));
  $('organisation_type').value = organisation || 'government';
  const hotel = keep('hotel');
  $('hotel').replaceChildren(...state.divisions.map(d => el('option', { value: d.code, text: state.lang === 'en' ? d.en : d.zh })));
  $('hotel').value = hotel || 'lucheng';
  for (const [id, items] of [['f-division', state.divisions.map(d => [d.code, d.zh, d.en])], ['f-industry', state.industries.map(i => [i.code, i.zh, i.en])]]) {
    const value = keep(id);
    $(id).replaceChildren(el('option', { value: '', text: t('any') }), ...items.map(([code, zh, en]) => el('option', { value: code, text: state.lang === 'en' ? en : zh })));
    $(id).value = value;
  }
  const theme = keep('o-theme');
  $('o-theme').replaceChildren(el('option', { value: '', text: t('any') }), ...state.themes.map(th => el('option', { value: th.code, text: state.lang === 'en' ? th.en : th.zh })));
  $('o-theme').value = theme;
  const route = keep('t-route');
  $('t-route').replaceChildren(...state.routes.map(r => el('option', { value: r.id, text: state.lang === 'en' ? r.title_en : r.title_zh })));
  if (route) $('t-route').value = route;
  const department = keep('ta-department');
  $('ta-department').replaceChildren(el('option', { value: '', text: t('t_choose') }),
    ...state.departments.map(d => el('option', { value: d.zh, text: state.lang === 'en' ? d.en : d.zh })));
  $('ta-department').value = department;
  const tripRoute = keep('ta-route');
  $('ta-route').replaceChildren(...state.routes.map(r => el('option', { value: r.id, text: state.lang === 'en' ? r.title_en : r.title_zh })));
  if (tripRoute) $('ta-route').value = tripRoute;
  const tripStatus = keep('ta-status');
  $('ta-status').replaceChildren(el('option', { value: '', text: t('v_all') }),
    ...Object.entries(t('trip_statuses')).map(([code, name]) => el('option', { value: code, text: name })),
    el('option', { value: 'overdue', text: t('t_overdue') }));
  $('ta-status').value = tripStatus;
  const by = keep('a-by');
  $('a-by').replaceChildren(...Object.entries(t('assess_by')).map(([code, name]) => el('option', { value: code, text: name })));
  $('a-by').value = by || 'route';
  showRouteTasks();
  const visitStatus = keep('v-status');
  $('v-status').replaceChildren(el('option', { value: '', text: t('v_all') }),
    ...Object.entries(t('visit_statuses')).map(([code, name]) => el('option', { value: code, text: name })));
  $('v-status').value = visitStatus;
  const submitted = keep('i-submitted_by');
  $('i-submitted_by').replaceChildren(el('option', { value: '', text: t('i_direct') }), ...state.divisions.map(d => el('option', { value: d.code, text: state.lang === 'en' ? d.en : d.zh })));
  $('i-submitted_by').value = submitted;
  const kinds = ['enterprise', 'industrial_park', 'university', 'school', 'research_institute', 'cultural_site', 'tourism_site', 'financial_institution', 'government_service', 'incubator'];
  const kind = keep('f-kind');
  $('f-kind').replaceChildren(el('option', { value: '', text: t('any') }), ...kinds.map(k => el('option', { value: k, text: label(KINDS, k) })));
  $('f-kind').value = kind;
}

const TABS = ['plan', 'library', 'outbound', 'intake', 'visits', 'trips'];

// ---- Picking bases by name -------------------------------------------------------------------

// Names of the bases met so far, by id (`null`: no such base for this caller).
const baseNames = new Map();

function baseName(id) {
  const names = baseNames.get(id);
  if (!names) return names === null ? `${id}（${t('t_not_found')}）` : id;
  return state.lang === 'en' && names.en ? names.en : names.zh;
}

// Looks up the names of the bases not met yet.
async function resolveBases(ids) {
  await Promise.all(ids.filter(id => !baseNames.has(id)).map(async id => {
    try {
      const base = await api('GET', `/v1/bases/${encodeURIComponent(id)}`);
      baseNames.set(id, { zh: base.name_zh, en: base.name_en });
    } catch {
      baseNames.set(id, null);
    }
  }));
}

// A field where an officer types part of a base's name and picks it from the suggestions (or
// presses Enter for the first); the bases picked show as names, each with a remove button.
function basePicker(input, chosenList) {
  const chosen = [];
  const options = el('datalist', { id: `${input.id}-options` });
  input.setAttribute('list', options.id);
  input.after(options);
  const draw = () => chosenList.replaceChildren(...chosen.map(id => {
    const name = baseName(id);
    const remove = el('button', { type: 'button', class: 'chip-remove', 'aria-label': t('t_remove')(name), text: '×' });
    remove.addEventListener('click', () => { chosen.splice(chosen.indexOf(id), 1); draw(); });
    return el('li', { class: 'chip', 'data-base': id }, el('span', { text: name }), remove);
  }));
  // The suggestions are for `searched`; Enter waits for those of what is typed now.
  let searched = '';
  const add = async id => {
    input.value = '';
    options.replaceChildren();
    searched = '';
    if (chosen.includes(id)) return;
    chosen.push(id);
    await resolveBases([id]);
    draw();
  };
  const search = async q => {
    const page = await api('GET', `/v1/bases?${new URLSearchParams({ q, limit: '8' })}`).catch(() => ({ items: [] }));
    if (input.value.trim() !== q) return;
    searched = q;
    const seen = new Set();
    options.replaceChildren(...page.items.map(({ base }) => {
      baseNames.set(base.id, { zh: base.name_zh, en: base.name_en });
      // The division tells two bases of one name apart; the id only when that is not enough.
      let value = `${baseName(base.id)} · ${divisionName(base.location.division)}`;
      if (seen.has(value)) value += ` · ${base.id}`;
      seen.add(value);
      return el('option', { value, 'data-base': base.id });
    }));
  };
  let timer;
  input.addEventListener('input', () => {
    const picked = [...options.options].find(o => o.value === input.value);
    if (picked) { add(picked.dataset.base); return; }
    clearTimeout(timer);
    const q = input.value.trim();
    if (q) timer = setTimeout(() => search(q), 200);
  });
  input.addEventListener('keydown', async event => {
    const q = input.value.trim();
    if (event.key !== 'Enter' || !q) return;
    event.preventDefault();
    clearTimeout(timer);
    if (searched !== q) await search(q);
    const first = options.options[0];
    if (searched === q && first) add(first.dataset.base);
  });
  return {
    ids: () => [...chosen],
    set: async ids => { chosen.splice(0, chosen.length, ...ids); await resolveBases(ids); draw(); },
  };
}

// A line naming bases ("服务的基地：A、B"), filled in once their names are known.
function basesLine(label, ids) {
  const line = el('p', { class: 'hint', text: `${label}：${ids.join('、')}` });
  resolveBases(ids).then(() => { line.textContent = `${label}：${ids.map(baseName).join(state.lang === 'en' ? ', ' : '、')}`; });
  return line;
}

// ---- Trips abroad: file, pre-review, sign-off, results, assessment ------------------------

// The selected route's tasks, named as the route names them, for the members' lines.
function showRouteTasks() {
  const route = state.routes.find(r => r.id === $('ta-route').value);
  $('ta-tasks-hint').textContent = route ? `${t('t_tasks')}：${route.tasks.map(x => state.lang === 'en' ? x.en : x.zh).join('、')}` : '';
}

function tripFromForm() {
  const route = state.routes.find(r => r.id === $('ta-route').value);
  // A task may be written as the route names it (文旅推介) or by its code (tourism).
  const code = word => {
    const task = route && route.tasks.find(x => x.zh === word || x.en.toLowerCase() === word.toLowerCase());
    return task ? task.code : word;
  };
  const members = $('ta-members').value.split('\n').map(line => line.trim()).filter(Boolean).map(line => {
    // Name and title end at the first two commas; the rest are tasks (a task's name may hold a comma).
    const [name = '', title = '', ...rest] = line.split(/[，,]/).map(part => part.trim());
    const tasks = rest.join('，');
    return { name, title, tasks: tasks.split(/[、;；]+|\s{2,}/).map(w => w.trim()).filter(Boolean).map(code) };
  });
  const trip = { department: $('ta-department').value.trim(), route: $('ta-route').value, departs: $('ta-departs').value, returns: $('ta-returns').value, members };
  if ($('ta-purpose_zh').value.trim()) trip.purpose_zh = $('ta-purpose_zh').value.trim();
  const bases = state.tripBases.ids();
  if (bases.length) trip.bases = bases;
  return trip;
}

async function fileTrip(event) {
  event.preventDefault();
  const form = $('trip-apply');
  clearErrors(form);
  try {
    let record;
    if (state.editingTrip) {
      // A change to a draft or a returned application, on the version it was loaded at.
      const headers = { 'content-type': 'application/json', accept: 'application/json', 'if-match': state.editingTrip.etag };
      const response = await send('PUT', `/v1/trips/${encodeURIComponent(state.editingTrip.id)}`, { headers, body: JSON.stringify(tripFromForm()) });
      record = await response.json();
      if (!response.ok) throw new ApiProblem(record);
      state.editingTrip = null;
      $('trip-apply').querySelector('button[type=submit]').textContent = t('t_file');
    } else {
      record = await api('POST', '/v1/trips', tripFromForm());
    }
    $('trips-status').textContent = t('t_filed')(record.id);
    $('ta-status').value = '';
    await listTrips();
  } catch (error) {
    showProblem(form, 'trip-apply-error', error, 'ta-');
  }
}

async function tripWithEtag(id) {
  const response = await send('GET', `/v1/trips/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new ApiProblem(body);
  return { record: body, etag: response.headers.get('etag') };
}

async function listTrips(event) {
  if (event) event.preventDefault();
  const status = $('ta-status').value;
  const query = status === 'overdue' ? '&overdue=true' : (status ? `&status=${status}` : '');
  try {
    const page = await api('GET', `/v1/trips?limit=50${query}`);
    $('trips-status').textContent = t('t_count')(page.total);
    $('trips').replaceChildren(...page.items.map(tripItem));
    // Drafts and returned applications show their pre-review at once.
    for (const item of page.items.filter(i => ['draft', 'returned'].includes(i.status))) await showReview(item.id);
  } catch (error) {
    $('trips-status').textContent = (error.problem && [401, 403].includes(error.problem.status)) ? t('needs_staff') : t('failed') + error.message;
  }
}

// Takes one step on an application at its current version; a conflict reloads the list.
async function tripStep(id, path, body, errorBox) {
  try {
    const { etag } = await tripWithEtag(id);
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'if-match': etag };
    const response = await send('POST', `/v1/trips/${encodeURIComponent(id)}/${path}`, { headers, body: JSON.stringify(body) });
    const saved = await response.json();
    if (!response.ok) throw new ApiProblem(saved);
    $('trips-status').textContent = t('t_changed')(id, t('trip_statuses')[saved.status]);
    await listTrips();
  } catch (error) {
    await stepFailed(error, errorBox, $('trips-status'), t('t_conflict'), listTrips);
  }
}

// A task as the route names it (Chinese or English), else its code.
function taskLabel(routeId, code) {
  const route = state.routes.find(r => r.id === routeId);
  const task = route && route.tasks.find(x => x.code === code);
  return task ? (state.lang === 'en' ? task.en : task.zh) : code;
}

function tripItem(record) {
  const a = record.application;
  const route = state.routes.find(r => r.id === a.route);
  const routeName = route ? (state.lang === 'en' ? route.title_en : route.title_zh) : (a.route || '');
  const error = el('p', { class: 'field-error', role: 'alert', hidden: '' });
  const actions = el('div', { class: 'actions' });
  const button = (text, onClick, primary = false) => {
    const node = el('button', { type: 'button', class: primary ? 'primary' : '', text });
    node.addEventListener('click', onClick);
    actions.append(node);
    return node;
  };
  const history = record.history.map(e => `${e.at.slice(0, 16).replace('T', ' ')} ${e.actor} ${t('actions')[e.action] || e.action}${e.comment ? '：' + e.comment : ''}`).join('；');
  const li = el('li', { class: 'trip-item', 'data-trip': record.id, 'data-status': record.status },
    el('h3', { text: `${record.id} · ${a.department} · ${routeName} · ${a.departs} – ${a.returns} · ${a.members.length}` }),
    el('p', { class: 'trip-status', text: t('trip_statuses')[record.status] }),
    el('p', { class: 'hint', text: `${t('t_history')}：${history}` }));
  for (const flag of record.flags.filter(f => f.justification)) {
    li.append(el('p', { class: 'hint', text: `${flag.message_zh}（${flag.rule_zh}）— ${flag.justification}` }));
  }
  if (a.bases.length) li.append(basesLine(t('t_bases_served'), a.bases));
  li.append(el('div', { class: 'review', 'data-review': record.id }));
  // The server decides who may take each step; the page offers only the steps this person may.
  const mine = state.session && state.session.username.toLowerCase() === record.applicant.toLowerCase();
  if (['draft', 'returned'].includes(record.status) && mine) {
    button(t('t_edit'), () => editTrip(record.id, error));
    button(t('t_submit'), () => {
      const justifications = [...li.querySelectorAll('.justify')].map(input => ({ key: input.dataset.key, justification: input.value.trim() })).filter(j => j.justification);
      tripStep(record.id, 'submit', { justifications }, error);
    }, true);
  }
  const approver = state.session && ['approver', 'admin'].includes(state.session.role);
  if (record.status === 'submitted' && approver && !mine) {
    const comment = el('input', { id: `comment-${record.id}`, class: 'comment' });
    li.append(el('div', { class: 'field' }, el('label', { for: comment.id, text: t('t_comment') }), comment));
    for (const [decision, primary] of [['approve', true], ['return', false], ['reject', false]]) {
      button(t(`t_${decision}`), () => tripStep(record.id, 'decision', { decision, comment: comment.value.trim() || undefined }, error), primary);
    }
  }
  if (record.status === 'approved' && mine) button(t('t_report'), () => li.append(reportForm(record, error)), true);
  if (record.report) {
    const r = record.report;
    li.append(el('p', { text: r.tasks.map(o => `${taskLabel(a.route, o.task)}：${t('task_results')[o.result]}`).join('；') + ` · ${t('t_agreements')} ${r.agreements} · ${t('t_follow_ups')} ${r.follow_ups}` }));
    if (r.bases_benefited.length) li.append(basesLine(t('t_benefited'), r.bases_benefited));
    if (r.contacts.length) li.append(el('p', { class: 'hint', text: `${t('t_contacts')}：${r.contacts.join('、')}` }));
  }
  li.append(actions, error);
  return li;
}

// Loads a draft or returned application into the form to change it (a returned one becomes a new revision).
async function editTrip(id, errorBox) {
  try {
    const { record, etag } = await tripWithEtag(id);
    const a = record.application;
    const route = state.routes.find(r => r.id === a.route);
    const named = code => {
      const task = route && route.tasks.find(x => x.code === code);
      return task ? (state.lang === 'en' ? task.en : task.zh) : code;
    };
    $('ta-department').value = a.department;
    if (a.route) $('ta-route').value = a.route;
    $('ta-departs').value = a.departs;
    $('ta-returns').value = a.returns;
    $('ta-purpose_zh').value = a.purpose_zh || '';
    $('ta-members').value = a.members.map(m => [m.name, m.title, ...(m.tasks.length ? [m.tasks.map(named).join('、')] : [])].join('，')).join('\n');
    await state.tripBases.set(a.bases);
    showRouteTasks();
    state.editingTrip = { id, etag };
    $('trip-apply').querySelector('button[type=submit]').textContent = t('t_save_changes')(id);
    $('ta-department').focus();
  } catch (error) {
    errorBox.textContent = t('failed') + error.message;
    errorBox.hidden = false;
  }
}

async function showReview(id) {
  const box = document.querySelector(`[data-review="${id}"]`);
  if (!box) return;
  try {
    const review = await api('GET', `/v1/trips/${encodeURIComponent(id)}/review`);
    if (review.problems.length) {
      box.replaceChildren(...review.problems.map(p => el('p', { class: 'field-error', text: `${p.field}: ${p.message}` })));
      return;
    }
    if (!review.flags.length) {
      box.replaceChildren(el('p', { class: 'hint', text: `${t('t_review')}：${t('t_no_flags')}` }));
      return;
    }
    box.replaceChildren(el('h4', { text: t('t_review') }), ...review.flags.map((flag, i) => {
      const input = el('input', { id: `justify-${id}-${i}`, class: 'justify', 'data-key': flag.key });
      return el('div', { class: 'field flag', 'data-flag': flag.code },
        el('p', { text: `${state.lang === 'en' ? flag.message_en : flag.message_zh}（${flag.rule_zh}）` }),
        el('label', { for: input.id, text: t('t_justify') }), input);
    }));
  } catch (error) {
    box.replaceChildren(el('p', { class: 'field-error', text: t('failed') + error.message }));
  }
}

// One outcome per task the trip's stops serve.
function reportForm(record, error) {
  const route = state.routes.find(r => r.id === record.application.route);
  const stops = record.application.stops.length ? record.application.stops : (route ? route.stops : []);
  const tasks = [...new Set(stops.flatMap(s => s.tasks))].sort();
  const form = el('form', { class: 'report-form', novalidate: '' });
  const selects = tasks.map(task => {
    const select = el('select', { id: `result-${record.id}-${task}`, 'data-task': task });
    for (const [code, name] of Object.entries(t('task_results'))) select.append(el('option', { value: code, text: name }));
    form.append(el('div', { class: 'field' }, el('label', { for: select.id, text: taskLabel(record.application.route, task) }), select));
    return select;
  });
  const number = name => {
    const input = el('input', { id: `${name}-${record.id}`, type: 'number', min: '0', value: '0' });
    form.append(el('div', { class: 'field' }, el('label', { for: input.id, text: t(`t_${name}`) }), input));
    return input;
  };
  const agreements = number('agreements');
  const followUps = number('follow_ups');
  const text = (name, rows) => {
    const input = el(rows ? 'textarea' : 'input', { id: `${name}-${record.id}`, ...(rows ? { rows: String(rows) } : {}) });
    form.append(el('div', { class: 'field' }, el('label', { for: input.id, text: t(`t_${name}`) }), input));
    return input;
  };
  const bases = text('bases_benefited');
  const benefited = el('ul', { class: 'chips' });
  bases.after(benefited);
  const benefitedPicker = basePicker(bases, benefited);
  const contacts = text('contacts', 3);
  const summary = text('summary', 3);
  const save = el('button', { type: 'submit', class: 'primary', text: t('t_save_report') });
  form.append(el('div', { class: 'actions' }, save));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const report = { tasks: selects.map(s => ({ task: s.dataset.task, result: s.value })), agreements: Number(agreements.value), follow_ups: Number(followUps.value),
      bases_benefited: benefitedPicker.ids(), contacts: contacts.value.split('\n').map(c => c.trim()).filter(Boolean) };
    if (summary.value.trim()) report.summary_zh = summary.value.trim();
    tripStep(record.id, 'report', report, error);
  });
  return form;
}

async function showAssessment(event) {
  if (event) event.preventDefault();
  const table = $('assessment');
  try {
    const result = await api('GET', `/v1/trips/assessment?by=${$('a-by').value}`);
    table.querySelector('thead tr').replaceChildren(...t('a_cols').map(c => el('th', { text: c })));
    const percent = x => `${Math.round(x * 1000) / 10}%`;
    table.querySelector('tbody').replaceChildren(...result.rows.map(r => el('tr', { 'data-group': r.group },
      el('td', { text: state.lang === 'en' ? r.label_en : r.label_zh }), el('td', { text: String(r.trips) }), el('td', { text: String(r.member_days) }),
      el('td', { text: percent(r.tasks_met_share) }), el('td', { text: String(r.agreements) }), el('td', { text: String(r.follow_ups) }),
      el('td', { text: r.agreements_per_member_day.toFixed(3) }), el('td', { text: `${r.days_used} / ${r.days_allowed}` }))));
    table.hidden = false;
    $('trips-status').textContent = result.rows.length ? '' : t('a_none');
  } catch (error) {
    $('trips-status').textContent = (error.problem && [401, 403].includes(error.problem.status)) ? t('needs_staff') : t('failed') + error.message;
  }
}

async function downloadAssessment() {
  try {
    const blob = await api('GET', `/v1/trips/assessment?by=${$('a-by').value}&format=xlsx`, undefined, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const link = el('a', { href: URL.createObjectURL(blob), download: '出访成果绩效考核.xlsx' });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    $('trips-status').textContent = (error.problem && [401, 403].includes(error.problem.status)) ? t('needs_staff') : t('failed') + error.message;
  }
}

function selectTab(name) {
  for (const tab of TABS) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute('aria-selected', String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`view-${tab}`).hidden = !selected;
  }
}

async function start() {
  // Who is signed in, first: an ended session's cookie is answered 401 and cleared here, so the
  // reads below go out without it.
  await loadSession();
  const [divisions, industries, examples, outlines, routes, departments] = await Promise.all([
    api('GET', '/v1/divisions'), api('GET', '/v1/industries'), api('GET', '/assets/examples.json'), api('GET', '/assets/divisions.geojson'),
    api('GET', '/v1/outbound-routes'), api('GET', '/v1/departments'),
  ]);
  state.departments = departments.departments;
  state.tripBases = basePicker($('ta-bases'), $('ta-bases-chosen'));
  state.divisions = divisions.divisions;
  state.industries = industries.industries;
  state.themes = industries.themes;
  state.routes = routes.items;
  state.examples = examples;
  state.outlines = outlines;
  for (const example of examples) $('example').append(el('option', { value: example.name, text: example.name }));
  applyLanguage();
  $('example').addEventListener('change', () => {
    const example = state.examples.find(e => e.name === $('example').value);
    if (example) fillForm(example.profile);
  });
  $('profile-form').addEventListener('submit', findBases);
  $('plan').addEventListener('click', planVisit);
  $('print').addEventListener('click', () => exportPlan('html'));
  $('ics').addEventListener('click', () => exportPlan('ics'));
  $('csv').addEventListener('click', () => exportPlan('csv'));
  $('save-visit').addEventListener('click', saveVisit);
  $('library-form').addEventListener('submit', searchLibrary);
  $('prev').addEventListener('click', () => searchLibrary(null, Math.max(0, state.libraryOffset - 20)));
  $('next').addEventListener('click', () => searchLibrary(null, state.libraryOffset + 20));
  $('lang').addEventListener('click', () => { state.lang = state.lang === 'zh' ? 'en' : 'zh'; applyLanguage(); });
  $('signin-form').addEventListener('submit', signIn);
  $('add-appointment').addEventListener('click', addAppointment);
  $('route-form').addEventListener('submit', saveRoute);
  $('route-check').addEventListener('click', checkEditedRoute);
  $('route-cancel').addEventListener('click', () => { $('route-form').hidden = true; });
  $('route-reload').addEventListener('click', () => openRouteEditor(state.editingRoute.route.id));
  $('add-stop').addEventListener('click', () => {
    $('route-stops').append(stopRow({ city: '', institution_zh: '', institution_en: '', purpose_zh: '', purpose_en: '', days: 1, best_months: [], tasks: [] }));
    renumberStops();
  });
  $('new-base').addEventListener('click', () => openBaseEditor(null));
  $('edit-base').addEventListener('click', () => openBaseEditor(state.shownBase.id).catch(error => { $('status-result').textContent = t('failed') + error.message; }));
  $('base-reload').addEventListener('click', () => openBaseEditor(state.editing.id));
  $('base-cancel').addEventListener('click', () => { $('base-form').hidden = true; });
  $('base-form').addEventListener('submit', saveBase);
  $('suspend-base').addEventListener('click', () => changeBaseStatus('suspend'));
  $('reactivate-base').addEventListener('click', () => changeBaseStatus('reactivate'));
  $('sign-out').addEventListener('click', signOut);
  $('outbound-form').addEventListener('submit', suggestRoutes);
  $('trip-form').addEventListener('submit', checkTrip);
  $('import-form').addEventListener('submit', previewImport);
  $('i-confirm').addEventListener('click', confirmImport);
  $('i-file').addEventListener('change', () => { $('i-confirm').disabled = true; $('labels-table').querySelector('tbody').replaceChildren(); $('labels-panel').hidden = true; });
  $('queue-load').addEventListener('click', loadQueue);
  $('survey-load').addEventListener('click', loadSurvey);
  $('visits-form').addEventListener('submit', listVisits);
  $('trip-apply').addEventListener('submit', fileTrip);
  $('ta-route').addEventListener('change', showRouteTasks);
  $('trips-form').addEventListener('submit', listTrips);
  $('assessment-form').addEventListener('submit', showAssessment);
  $('assessment-xlsx').addEventListener('click', downloadAssessment);
  TABS.forEach((tab, index) => {
    $(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
    $(`tab-${tab}`).addEventListener('keydown', event => {
      const step = { ArrowRight: 1, ArrowLeft: TABS.length - 1 }[event.key];
      if (step) {
        const other = TABS[(index + step) % TABS.length];
        selectTab(other);
        $(`tab-${other}`).focus();
      }
    });
  });
}

document.addEventListener('DOMContentLoaded', () => {
  start().catch(error => { $('status').textContent = t('failed') + (error.message || error); });
});
