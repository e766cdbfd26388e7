//! The words on the pages, in Thai (the default) and English. Templates read them as `t.key`; a key
//! missing here fails the render (the environment is strict), and a unit test checks that every key a
//! template names exists, so a page can never show a raw key to a clerk.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "sarabun_lang";

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Th,
    En,
}

impl Lang {
    /// `th` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Th => "th",
            Lang::En => "en",
        }
    }

    /// The same language for the domain's wording of dates.
    pub fn wording(self) -> sarabun_domain::date::Language {
        match self {
            Lang::Th => sarabun_domain::date::Language::Thai,
            Lang::En => sarabun_domain::date::Language::English,
        }
    }

    /// A language by its code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "th" => Some(Lang::Th),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other one, for the switch in the header.
    pub fn other(self) -> Self {
        match self {
            Lang::Th => Lang::En,
            Lang::En => Lang::Th,
        }
    }

    /// The language chosen with the switch; Thai when none was.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Self {
        crate::auth::cookie_value(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)).unwrap_or_default()
    }

    /// The Thai or the English of a pair.
    pub fn pick<'a>(self, th: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Th => th,
            Lang::En => en,
        }
    }

    /// Every word of the interface in this language.
    pub fn texts(self) -> &'static BTreeMap<&'static str, &'static str> {
        static TH: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
        static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
        match self {
            Lang::Th => TH.get_or_init(|| TEXTS.iter().map(|(k, th, _)| (*k, *th)).collect()),
            Lang::En => EN.get_or_init(|| TEXTS.iter().map(|(k, _, en)| (*k, *en)).collect()),
        }
    }
}

/// key, Thai, English.
const TEXTS: &[(&str, &str, &str)] = &[
    ("app_name", "สารบรรณอิเล็กทรอนิกส์", "Sarabun e-Correspondence"),
    ("other_language", "English", "ภาษาไทย"),
    ("skip_to_content", "ข้ามไปยังเนื้อหา", "Skip to content"),
    ("main_menu", "เมนูหลัก", "Main menu"),
    // navigation
    ("inbox", "หนังสือเข้า", "Inbox"),
    ("sent", "หนังสือส่ง", "Sent"),
    ("compose", "ร่างและส่งหนังสือ", "Compose"),
    ("registers", "ทะเบียน", "Registers"),
    ("auditor", "ตรวจสอบ", "Audit"),
    ("sign_in", "เข้าสู่ระบบ", "Sign in"),
    ("sign_out", "ออกจากระบบ", "Sign out"),
    // sign-in
    ("username", "ชื่อผู้ใช้", "User name"),
    ("password", "รหัสผ่าน", "Password"),
    ("sign_in_intro", "สำหรับเจ้าหน้าที่สารบรรณ ผู้บริหาร และผู้ตรวจสอบ", "For records clerks, executives and auditors"),
    ("signed_in_as", "เข้าสู่ระบบในชื่อ", "Signed in as"),
    // inbox and lists
    ("search", "ค้นหา", "Search"),
    ("search_hint", "เรื่อง หรือ เลขที่หนังสือ", "Subject or letter number"),
    ("filter", "กรอง", "Filter"),
    ("clear_filters", "ล้างตัวกรอง", "Clear filters"),
    ("all", "ทั้งหมด", "All"),
    ("office_hint", "รหัสหรือชื่อหน่วยงาน", "Office code or name"),
    ("office_suggestions", "หน่วยงานที่ส่งถึงเมื่อเร็ว ๆ นี้", "Offices that wrote recently"),
    ("status", "สถานะ", "Status"),
    ("urgency", "ชั้นความเร็ว", "Urgency"),
    ("secrecy", "ชั้นความลับ", "Secrecy"),
    ("from", "จาก", "From"),
    ("to", "ถึง", "To"),
    ("number", "ที่", "Number"),
    ("letter_date", "ลงวันที่", "Dated"),
    ("subject", "เรื่อง", "Subject"),
    ("delivered_at", "วันที่ได้รับ", "Delivered"),
    ("sent_at", "วันที่ส่ง", "Sent"),
    ("receive_number", "เลขทะเบียนรับ", "Receive number"),
    ("unread", "ยังไม่เปิดอ่าน", "Unread"),
    ("new", "ใหม่", "New"),
    ("overdue", "เกินกำหนด", "Overdue"),
    ("no_letters", "ไม่มีหนังสือ", "No letters"),
    ("page", "หน้า", "Page"),
    ("of", "จาก", "of"),
    ("previous", "ก่อนหน้า", "Previous"),
    ("next", "ถัดไป", "Next"),
    ("letters_total", "ฉบับ", "letters"),
    ("more_than", "มากกว่า", "more than"),
    ("older_letters", "หนังสือเก่ากว่า", "Older letters"),
    ("newest_letters", "หนังสือล่าสุด", "Newest letters"),
    ("continued_letters", "หนังสือที่เก่ากว่าหน้าก่อน เรียงจากใหม่ไปเก่า", "Letters older than the page before, newest first"),
    ("paging", "เลขหน้า", "Pages"),
    // enum labels
    ("urgency_normal", "ปกติ", "Normal"),
    ("urgency_urgent", "ด่วน", "Urgent"),
    ("urgency_very_urgent", "ด่วนมาก", "Very urgent"),
    ("urgency_most_urgent", "ด่วนที่สุด", "Most urgent"),
    ("secrecy_none", "ไม่มีชั้นความลับ", "Not secret"),
    ("secrecy_confidential", "ลับ", "Confidential"),
    ("secrecy_secret", "ลับมาก", "Secret"),
    ("secrecy_top_secret", "ลับที่สุด", "Top secret"),
    ("state_delivered", "รอลงรับ", "Awaiting receipt"),
    ("state_received", "ลงรับแล้ว", "Received"),
    ("state_rejected", "ปฏิเสธ/ส่งคืน", "Rejected"),
    ("state_recalled", "ผู้ส่งยกเลิก", "Recalled"),
    ("letter_state_sent", "ส่งแล้ว", "Sent"),
    ("letter_state_recalled", "ยกเลิกแล้ว", "Recalled"),
    ("kind_external", "หนังสือภายนอก", "External letter"),
    ("kind_internal", "หนังสือภายใน (บันทึกข้อความ)", "Internal memo"),
    ("kind_stamped", "หนังสือประทับตรา", "Stamped letter"),
    ("kind_directive", "หนังสือสั่งการ", "Directive"),
    ("kind_public_relations", "หนังสือประชาสัมพันธ์", "Public relations"),
    ("kind_evidence", "หนังสือที่เจ้าหน้าที่ทำขึ้นเป็นหลักฐาน", "Evidence"),
    ("series_normal", "เลขปกติ", "Ordinary number"),
    ("series_circular", "หนังสือเวียน (ว)", "Circular (ว)"),
    ("register_send", "ทะเบียนหนังสือส่ง", "Send register"),
    ("register_receive", "ทะเบียนหนังสือรับ", "Receive register"),
    // letter page
    ("letter", "หนังสือ", "Letter"),
    ("kind", "ประเภทหนังสือ", "Kind"),
    ("addressee", "เรียน", "To (addressee)"),
    ("signer", "ผู้ลงนาม", "Signed by"),
    ("references", "อ้างถึง", "References"),
    ("enclosures_note", "สิ่งที่ส่งมาด้วย", "Enclosures"),
    ("deadline", "กำหนดปฏิบัติ", "Deadline"),
    ("documents", "เอกสาร", "Documents"),
    ("body", "ตัวหนังสือ", "Letter body"),
    ("enclosure", "สิ่งที่ส่งมาด้วย", "Enclosure"),
    ("original", "ต้นฉบับ", "Original"),
    ("stamped_copy", "ฉบับประทับตรารับ", "With receiving stamp"),
    ("open_pdf", "เปิด PDF", "Open PDF"),
    ("download", "ดาวน์โหลด", "Download"),
    ("pdf_viewer", "แสดงหนังสือ", "Letter viewer"),
    ("tracking", "การติดตามหนังสือ", "Tracking"),
    ("recipient", "ผู้รับ", "Recipient"),
    ("opened_at", "เปิดอ่าน", "Opened"),
    ("decided_at", "ดำเนินการเมื่อ", "Handled"),
    ("decided_by", "ผู้ดำเนินการ", "Handled by"),
    ("reason", "เหตุผล", "Reason"),
    ("receipt", "ใบตอบรับ", "Receipt"),
    ("signed_receipt", "ใบตอบรับที่ลงนามแล้ว (JWS)", "Signed receipt (JWS)"),
    ("stamp_failed", "ประทับตรารับไม่ได้", "Could not be stamped"),
    ("actions", "การดำเนินการ", "Actions"),
    ("receive", "ลงรับหนังสือ", "Receive"),
    (
        "receive_help",
        "ออกเลขทะเบียนรับ ประทับตรารับ และส่งใบตอบรับให้ผู้ส่ง",
        "Takes the next receive number, stamps the letter and signs a receipt for the sender",
    ),
    ("practice", "การปฏิบัติ", "Action taken"),
    ("remarks", "หมายเหตุ", "Remarks"),
    ("reject", "ปฏิเสธ/ส่งคืน", "Reject"),
    (
        "reject_help",
        "ส่งคืนหนังสือที่ไม่ใช่ของหน่วยงานนี้ พร้อมเหตุผล",
        "Returns a letter that is not for this office, with the reason",
    ),
    ("reject_reason_hint", "เช่น ไม่ใช่ภารกิจของหน่วยงาน", "e.g. not this office's business"),
    ("recall", "ยกเลิกหนังสือ (เรียกคืน)", "Recall letter"),
    (
        "recall_help",
        "เรียกคืนจากผู้รับที่ยังไม่ได้ลงรับ ทำได้เฉพาะก่อนมีผู้ลงรับ",
        "Withdraws it from recipients that have not handled it; only before anyone received it",
    ),
    ("recall_confirm", "ยืนยันการยกเลิกหนังสือฉบับนี้?", "Recall this letter?"),
    ("recalled_because", "ยกเลิกเนื่องจาก", "Recalled because"),
    ("no_actions", "ไม่มีการดำเนินการที่ท่านต้องทำกับหนังสือฉบับนี้", "There is nothing for you to do on this letter"),
    ("trail", "ประวัติการดำเนินการ (บันทึกตรวจสอบ)", "Audit trail"),
    ("trail_bundle", "ดาวน์โหลดชุดหลักฐาน", "Download trail bundle"),
    ("trail_bundle_docs", "พร้อมเอกสาร", "with documents"),
    ("envelope", "ซองที่ลงนาม (JWS)", "Signed envelope (JWS)"),
    ("log_index", "ลำดับ", "Index"),
    ("at", "เวลา", "Time"),
    ("actor", "ผู้กระทำ", "By"),
    ("office", "หน่วยงาน", "Office"),
    ("action", "การกระทำ", "Action"),
    ("done_received", "ลงรับหนังสือแล้ว", "The letter is received"),
    ("done_rejected", "ปฏิเสธหนังสือแล้ว ผู้ส่งได้รับแจ้ง", "The letter is rejected; the sender is told"),
    ("done_recalled", "ยกเลิกหนังสือแล้ว", "The letter is recalled"),
    ("done_posted", "บันทึกวันที่ส่งทางไปรษณีย์แล้ว", "The posting is recorded"),
    ("done_bounced", "บันทึกอีเมลตีกลับแล้ว", "The bounce is recorded"),
    ("outside_recipients", "ผู้รับภายนอกระบบ", "Recipients outside Sarabun"),
    (
        "outside_recipients_help",
        "หน่วยงานหรือบุคคลที่ไม่ได้ใช้ระบบ เลือกจากทะเบียนรายชื่อหรือพิมพ์เอง มีอีเมลส่งทางอีเมล (แนบหนังสือและตรา) ไม่มีอีเมลส่งทางไปรษณีย์พร้อมใบนำส่ง",
        "Bodies and people not on Sarabun, picked from the address book or typed: with an e-mail address the letter goes by e-mail (sealed PDF attached), otherwise by post with a cover sheet",
    ),
    ("outside_from_book", "เลือกจากทะเบียนรายชื่อ", "From the address book"),
    ("outside_typed", "— พิมพ์เอง —", "— typed —"),
    ("outside_name", "ชื่อผู้รับ", "Name"),
    ("outside_email", "อีเมล", "E-mail"),
    ("postal_address", "ที่อยู่ทางไปรษณีย์", "Postal address"),
    ("outside_channel", "ช่องทาง", "Channel"),
    ("outside_detail", "รายละเอียด", "Details"),
    ("by_email", "ทางไปรษณีย์อิเล็กทรอนิกส์", "By e-mail"),
    ("by_post", "ทางไปรษณีย์", "By post"),
    ("posted_on", "ส่งเมื่อ", "Posted on"),
    ("record_posted", "บันทึกวันที่ส่ง", "Record posting"),
    ("record_bounce", "บันทึกอีเมลตีกลับ", "Record a bounce"),
    ("cover_sheet", "ใบนำส่ง", "Cover sheet"),
    ("outside_state_queued", "รอส่งอีเมล", "E-mail queued"),
    ("outside_state_sent", "ส่งอีเมลแล้ว", "E-mailed"),
    ("outside_state_bounced", "อีเมลตีกลับ", "Bounced"),
    ("outside_state_failed", "ส่งอีเมลไม่สำเร็จ", "E-mail failed"),
    ("outside_state_awaiting_post", "รอส่งทางไปรษณีย์", "Awaiting post"),
    ("outside_state_posted", "ส่งทางไปรษณีย์แล้ว", "Posted"),
    ("outside_state_recalled", "ยกเลิกการส่ง", "Recalled"),
    ("done_sent", "ส่งหนังสือแล้ว", "The letter is sent"),
    // compose
    (
        "compose_intro",
        "หนังสือจะได้รับเลขที่ ลงนามด้วยกุญแจของหน่วยงาน และส่งถึงผู้รับทันที",
        "The letter gets its number, is sealed with your office's key and reaches the recipients at once",
    ),
    ("recipients", "ผู้รับ", "Recipients"),
    ("recipients_hint", "พิมพ์ชื่อหรือรหัสหน่วยงานเพื่อกรองรายการ", "Type an office's name or code to filter the list"),
    ("find_office", "ค้นหาหน่วยงาน", "Find an office"),
    ("chosen", "เลือกแล้ว", "Chosen"),
    ("recipients_many_1", "สารบบมีหน่วยงาน", "The directory holds"),
    (
        "recipients_many_2",
        "แห่ง: รายการแสดงหน่วยงานที่เลือกและที่ส่งถึงบ่อย พิมพ์ชื่อหรือรหัสในช่องค้นหาเพื่อหาหน่วยงานอื่น",
        "offices: the list shows those chosen and those written to lately; type a name or code above to find others",
    ),
    ("recipient_codes", "หรือพิมพ์รหัสหน่วยงานผู้รับ คั่นด้วยจุลภาค", "Or type recipient office codes, separated by commas"),
    ("series", "ชุดเลขที่", "Numbering"),
    ("body_file", "ไฟล์ตัวหนังสือ (PDF)", "Letter body (PDF)"),
    ("enclosure_files", "ไฟล์สิ่งที่ส่งมาด้วย", "Enclosure files"),
    ("already_uploaded", "อัปโหลดแล้ว", "Already uploaded"),
    ("reference_number", "ที่ของหนังสืออ้างถึง", "Referenced letter number"),
    ("reference_date", "ลงวันที่", "Its date"),
    ("reference_subject", "เรื่องของหนังสืออ้างถึง", "Its subject"),
    ("signer_name", "ชื่อผู้ลงนาม", "Signer's name"),
    ("signer_position", "ตำแหน่งผู้ลงนาม", "Signer's position"),
    ("retention_years", "อายุการเก็บ (ปี, 0 = ห้ามทำลาย)", "Keep for (years, 0 = permanently)"),
    ("optional", "ไม่บังคับ", "optional"),
    ("send", "ส่งหนังสือ", "Send letter"),
    ("uploading", "กำลังอัปโหลด", "Uploading"),
    ("upload_progress", "ความคืบหน้าการอัปโหลด", "Upload progress"),
    ("upload_failed", "อัปโหลดไม่สำเร็จ กรุณาลองใหม่", "The upload failed; try again"),
    ("fix_errors", "กรุณาแก้ไขข้อมูลต่อไปนี้", "Please correct the following"),
    ("max_size", "ขนาดไม่เกิน", "at most"),
    // registers
    ("year", "ปี พ.ศ.", "Year (B.E.)"),
    ("register", "ทะเบียน", "Register"),
    ("show", "แสดง", "Show"),
    ("csv", "ดาวน์โหลด CSV", "Download CSV"),
    ("print_view", "พิมพ์แบบทะเบียน", "Print view"),
    ("print", "พิมพ์", "Print"),
    ("register_no", "เลขทะเบียน", "Reg. no."),
    ("recorded_at", "วันที่ลงทะเบียน", "Recorded"),
    ("cancelled", "ยกเลิก", "cancelled"),
    ("xlsx", "ดาวน์โหลด Excel (.xlsx)", "Download Excel (.xlsx)"),
    ("series_order", "คำสั่ง", "Orders"),
    ("series_announcement", "ประกาศ", "Announcements"),
    ("series_regulation", "ระเบียบ", "Regulations"),
    ("series_rule", "ข้อบังคับ", "Rules"),
    ("mark_reserved", "จองเลข", "reserved"),
    ("mark_filled", "หนังสือกระดาษ", "paper letter"),
    ("mark_expired", "จองเลขหมดอายุ", "reservation expired"),
    ("mark_cancelled", "ยกเลิก", "cancelled"),
    ("mark_outside", "หนังสือภายนอกระบบ", "from outside"),
    ("no_entries", "ยังไม่มีรายการในทะเบียน", "No entries in this register"),
    ("date_heading", "วันที่", "Date"),
    // auditor
    ("audit_search", "ค้นหาหนังสือทุกหน่วยงาน", "Search letters of every office"),
    (
        "audit_intro",
        "ผู้ตรวจสอบอ่านได้ทุกหนังสือและประวัติ แต่ดำเนินการกับหนังสือไม่ได้",
        "Auditors read every letter and trail but cannot act on letters",
    ),
    ("checkpoint", "จุดตรวจสอบล่าสุดที่ลงนามแล้ว", "Latest signed checkpoint"),
    ("tree_size", "จำนวนรายการในบันทึก", "Entries in the log"),
    ("signed_at", "ลงนามเมื่อ", "Signed"),
    ("log_key", "กุญแจตรวจสอบบันทึก", "Log verifier key"),
    ("no_checkpoint", "ยังไม่มีจุดตรวจสอบ", "No checkpoint yet"),
    // inside the office: the route, work lists, the backlog
    ("my_work", "งานของฉัน", "My work"),
    ("backlog", "เรื่องค้าง", "Open matters"),
    ("route", "การเสนอและสั่งการ", "Route in the office"),
    ("matter_open", "อยู่ระหว่างดำเนินการ", "In progress"),
    ("matter_done", "ดำเนินการแล้ว", "Done"),
    ("matter_closed", "ทราบแล้ว", "Noted"),
    ("matter_filed", "เก็บเข้าแฟ้มแล้ว", "Filed"),
    ("filed_in", "เก็บในแฟ้ม", "Filed in"),
    ("routed_pdf", "โหลดฉบับเกษียน", "Download the routed copy"),
    ("show_routed", "แสดงฉบับเกษียน", "Show the routed copy"),
    ("holders", "อยู่ที่", "Held by"),
    ("purpose_consider", "พิจารณา", "To consider"),
    ("purpose_act", "ปฏิบัติ", "To act"),
    ("lead", "เจ้าของเรื่อง", "Lead"),
    ("since", "ตั้งแต่", "since"),
    ("due", "กำหนด", "Due"),
    ("due_date", "กำหนดเสร็จภายในวันที่", "Due by"),
    ("acting_for_note", "ท่านดำเนินการในฐานะผู้รักษาการแทน", "You act as standing in for"),
    ("step_propose", "เสนอ", "Propose"),
    ("step_order", "สั่งการ", "Order"),
    ("step_assign", "มอบหมาย", "Assign"),
    ("step_return", "ส่งคืน", "Return"),
    ("step_act", "ปฏิบัติ", "Record action"),
    ("step_done", "ดำเนินการแล้ว", "Report done"),
    ("step_acknowledge", "ทราบ", "Note and close"),
    ("step_file", "เก็บเข้าแฟ้ม", "File"),
    ("step_handover", "โอนงาน", "Handover"),
    ("stand_in_acting", "รักษาการแทน", "Acting for"),
    ("stand_in_on_behalf", "ปฏิบัติราชการแทน", "On behalf of"),
    ("order_text", "ข้อสั่งการ", "Order"),
    ("order_hint", "แตะข้อความที่ใช้บ่อย หรือพิมพ์ข้อสั่งการ", "Tap a usual phrase or write the order"),
    ("usual_orders", "ข้อความที่ใช้บ่อย", "Usual phrases"),
    ("assign_to", "มอบหมายให้", "Assign to"),
    ("assign_to_person", "หรือมอบให้บุคคล", "Or to a person"),
    (
        "assign_help",
        "มอบให้หน่วยงานหรือบุคคลดำเนินการ รายแรกเป็นเจ้าของเรื่อง",
        "Give it to units or people to act on; the first is the lead",
    ),
    ("note", "หมายเหตุ", "Note"),
    ("act_help", "บันทึกสิ่งที่ได้ดำเนินการ และหนังสือตอบ (ถ้ามี)", "Record what was done and the answer letter, if any"),
    ("act_note", "ผลการปฏิบัติ", "What was done"),
    ("answer_letter", "หนังสือตอบ", "Answer letter"),
    ("no_answer_letter", "ไม่มีหนังสือตอบ", "No answer letter"),
    ("done_help", "แจ้งว่าดำเนินการเสร็จแล้ว เรื่องจะรอเก็บเข้าแฟ้ม", "Report the work done; the matter then waits to be filed"),
    ("acknowledge_help", "รับทราบและปิดเรื่อง", "Take note and close the matter"),
    ("file_help", "เก็บเรื่องที่เสร็จแล้วเข้าแฟ้มของหน่วยงาน", "File the finished matter into one of the office's files"),
    ("folder", "แฟ้ม", "File"),
    ("choose_folder", "เลือกแฟ้ม", "Choose a file"),
    ("propose_help", "เสนอเรื่องต่อผู้บังคับบัญชาหรือผู้เกี่ยวข้อง", "Put the matter before someone, with a note"),
    ("propose_to", "เสนอ", "Put before"),
    ("propose_hint", "เช่น เรียน อธิบดี เพื่อโปรดพิจารณา", "e.g. for the Director-General's consideration"),
    ("choose_person", "เลือกผู้รับเรื่อง", "Choose a person"),
    ("return_help", "ส่งเรื่องคืนผู้ที่ส่งมา พร้อมเหตุผล", "Give it back to whoever gave it, saying why"),
    ("timeline", "ลำดับการดำเนินการ", "Timeline"),
    ("given_to", "ถึง", "To"),
    ("open_letter", "เปิดหนังสือ", "Open the letter"),
    ("no_steps", "ยังไม่มีการเสนอหรือสั่งการ", "Nothing has been proposed or ordered yet"),
    ("compose_answer", "ร่างหนังสือตอบ", "Compose the answer"),
    ("to_step_forms", "ไปที่การสั่งการ", "Go to the actions"),
    ("matters_total", "เรื่อง", "matters"),
    ("work_mine", "ของฉัน", "Mine"),
    ("work_unit", "ของหน่วยงาน", "My unit"),
    ("for_person", "แทน", "for"),
    ("given_by", "จาก", "From"),
    ("holder", "ผู้รับผิดชอบ", "Held by"),
    ("no_work", "ไม่มีงานค้าง", "Nothing waits for you"),
    ("matters_open", "เรื่องที่ยังไม่เสร็จ", "open matters"),
    ("tasks_open", "งานที่รอดำเนินการ", "waiting tasks"),
    ("backlog_by_age", "งานค้างตามหน่วยงานและระยะเวลา", "Waiting tasks by unit and age"),
    ("unit", "หน่วยงาน", "Unit"),
    ("total", "รวม", "Total"),
    ("done_route_propose", "เสนอเรื่องแล้ว", "The matter is proposed"),
    ("done_route_order", "สั่งการแล้ว", "The order is given"),
    ("done_route_assign", "มอบหมายแล้ว", "The matter is assigned"),
    ("done_route_return", "ส่งคืนแล้ว", "The matter is returned"),
    ("done_route_act", "บันทึกผลการปฏิบัติแล้ว", "The action is recorded"),
    ("done_route_done", "แจ้งดำเนินการแล้ว", "The matter is reported done"),
    ("done_route_acknowledge", "ทราบและปิดเรื่องแล้ว", "Noted and closed"),
    ("done_route_file", "เก็บเข้าแฟ้มแล้ว", "The matter is filed"),
    // drafting and signing
    ("drafts", "ร่างหนังสือ", "Drafts"),
    ("new_draft", "เริ่มร่างหนังสือ", "New draft"),
    (
        "new_draft_intro",
        "แนบร่างเป็น PDF หรือ DOCX/ODT แล้วเสนอผ่านผู้ตรวจร่างถึงผู้ลงนาม เลขที่และวันที่จะออกเมื่อลงนามแล้ว",
        "Attach the draft as PDF or DOCX/ODT, then send it up through its reviewers to the signer; the number and date come when it is signed",
    ),
    ("drafts_waiting", "รอตรวจ/รอลงนาม", "Waiting for me"),
    ("drafts_mine", "ร่างของฉัน", "My drafts"),
    ("no_drafts_waiting", "ไม่มีร่างที่รอท่าน", "No draft waits for you"),
    ("no_drafts", "ยังไม่มีร่าง", "No drafts yet"),
    ("version", "ฉบับที่", "Version"),
    ("versions", "ฉบับร่าง", "Versions"),
    ("updated_at", "ปรับปรุงเมื่อ", "Updated"),
    ("draft_state_drafting", "กำลังร่าง", "Being drafted"),
    ("draft_state_in_review", "อยู่ระหว่างตรวจร่าง", "In review"),
    ("draft_state_returned", "ส่งคืนแก้ไข", "Returned for revision"),
    ("draft_state_awaiting_signature", "รอลงนาม", "Awaiting signature"),
    ("draft_state_sent", "ลงนามและส่งแล้ว", "Signed and sent"),
    ("draft_state_withdrawn", "ยกเลิกร่าง", "Withdrawn"),
    ("draft_file", "ไฟล์ร่างหนังสือ", "Draft file"),
    ("draft_file_hint", "PDF, DOCX หรือ ODT (แปลงเป็น PDF อัตโนมัติ)", "PDF, DOCX or ODT (converted to PDF)"),
    ("start_draft", "บันทึกร่าง", "Save the draft"),
    ("drafted_by", "ผู้ร่าง", "Drafted by"),
    ("open_sent_letter", "เปิดหนังสือที่ส่งแล้ว", "Open the sent letter"),
    ("original_file", "ไฟล์ต้นฉบับ", "Original file"),
    ("draft_chain", "ผู้ตรวจร่างและผู้ลงนาม", "Reviewers and signer"),
    ("chain_role_reviewer", "ผู้ตรวจร่าง", "Reviewer"),
    ("chain_role_signer", "ผู้ลงนาม", "Signer"),
    ("chain_passed_reviewer", "ลงนามย่อแล้ว", "Initialled"),
    ("chain_passed_signer", "ลงนามแล้ว", "Signed"),
    ("with_now", "อยู่ที่ท่านนี้", "With them now"),
    ("draft_record", "บันทึกการตรวจร่าง", "Routing record"),
    ("draft_step_start", "เริ่มร่าง", "Started"),
    ("draft_step_revise", "แก้ไขร่าง (อัปโหลดฉบับใหม่)", "Upload a new version"),
    ("draft_step_submit", "เสนอร่าง", "Send up"),
    ("draft_step_comment", "ความเห็น", "Comment"),
    ("draft_step_return", "ส่งคืนแก้ไข", "Return for revision"),
    ("draft_step_initial", "ลงนามย่อ", "Initial"),
    ("draft_step_sign", "ลงนาม", "Sign"),
    ("draft_step_withdraw", "ยกเลิกร่าง", "Withdraw"),
    (
        "submit_help",
        "เลือกผู้ตรวจร่างตามลำดับ (เช่น หัวหน้าฝ่าย แล้วผู้อำนวยการกอง) และผู้ลงนาม",
        "Choose the reviewers in order (say the section head, then the division director) and the signer",
    ),
    ("submit_hint", "เช่น เสนอร่างหนังสือเพื่อโปรดพิจารณา", "e.g. for your consideration"),
    ("reviewer_n", "ผู้ตรวจร่างลำดับที่", "Reviewer"),
    ("initial_help", "ตรวจแล้วเห็นชอบ ลงนามย่อและเสนอต่อ", "Checked and agreed: initial it and pass it up"),
    ("comment_help", "บันทึกความเห็น ร่างยังอยู่ที่ท่าน", "Write a comment; the draft stays with you"),
    ("draft_return_help", "ส่งคืนผู้ร่างเพื่อแก้ไข พร้อมเหตุผล", "Give it back to the drafter to revise, saying why"),
    ("revise_help", "อัปโหลดร่างฉบับใหม่ ฉบับเดิมยังเก็บไว้ทั้งหมด", "Upload a new version; every earlier one is kept"),
    (
        "sign_help",
        "ลงลายมือชื่ออิเล็กทรอนิกส์ด้วยรหัส PIN ของท่าน แล้วระบบจะออกเลขที่ ลงวันที่ และส่งหนังสือทันที",
        "Sign with your own PIN; the letter then takes its number and date and is sent at once",
    ),
    ("withdraw_confirm", "ยืนยันการยกเลิกร่างนี้?", "Withdraw this draft?"),
    ("done_draft_started", "บันทึกร่างแล้ว", "The draft is saved"),
    ("done_draft_submit", "เสนอร่างแล้ว", "The draft is sent up"),
    ("done_draft_comment", "บันทึกความเห็นแล้ว", "The comment is recorded"),
    ("done_draft_return", "ส่งคืนผู้ร่างแล้ว", "The draft is returned to its drafter"),
    ("done_draft_initial", "ลงนามย่อแล้ว", "Initialled and passed up"),
    ("done_draft_withdraw", "ยกเลิกร่างแล้ว", "The draft is withdrawn"),
    ("done_draft_revise", "อัปโหลดร่างฉบับใหม่แล้ว", "The new version is uploaded"),
    ("done_draft_sign", "ลงนาม ออกเลขที่ และส่งหนังสือแล้ว", "Signed, numbered and sent"),
    ("signing_key", "ลายมือชื่ออิเล็กทรอนิกส์", "Electronic signature"),
    (
        "signing_key_intro",
        "กุญแจลงนามของท่านถูกปิดผนึกด้วยรหัส PIN ที่ท่านตั้งเอง ผู้ดูแลระบบก็ลงนามแทนท่านไม่ได้",
        "Your signing key is sealed under a PIN only you know; not even an administrator can sign in your name",
    ),
    ("signing_certificate", "ใบรับรองการลงนาม", "Signing certificate"),
    ("cert_subject", "ชื่อในใบรับรอง", "Subject"),
    ("fingerprint", "ลายนิ้วมือ (SHA-256)", "Fingerprint (SHA-256)"),
    ("cert_source", "ออกโดย", "Issued by"),
    ("cert_source_node_ca", "ผู้ออกใบรับรองของระบบ", "This node's certificate authority"),
    ("cert_source_pkcs12", "ผู้ออกใบรับรองภายนอก (PKCS#12)", "An external authority (PKCS#12)"),
    ("valid_until", "ใช้ได้ถึง", "Valid until"),
    ("enrolled_at", "ตั้งค่าเมื่อ", "Set up"),
    ("no_signing_key", "ท่านยังไม่ได้ตั้งรหัส PIN สำหรับลงนาม", "You have not set a signing PIN yet"),
    ("set_pin", "ตั้งรหัส PIN", "Set the PIN"),
    ("change_pin", "ตั้งรหัส PIN ใหม่", "Set a new PIN"),
    (
        "pin_help",
        "รหัส PIN แยกจากรหัสผ่านเข้าสู่ระบบ 6–32 ตัว ห้ามเรียงกันหรือซ้ำกัน ตั้งใหม่จะออกกุญแจใหม่แทนกุญแจเดิม",
        "The PIN is separate from your sign-in password: 6 to 32 characters, not a run or a repeat; a new PIN makes a new key",
    ),
    ("password_again", "รหัสผ่านเข้าสู่ระบบ (ยืนยันตัวตน)", "Your sign-in password (to confirm it is you)"),
    ("signing_pin", "รหัส PIN สำหรับลงนาม", "Signing PIN"),
    ("signing_pin_again", "รหัส PIN อีกครั้ง", "The PIN again"),
    ("done_pin_set", "ตั้งรหัส PIN และออกกุญแจลงนามแล้ว", "The PIN is set and your signing key made"),
    ("pdf_signatures", "ลายมือชื่อบน PDF", "Signatures on the PDF"),
    ("signature_valid", "ลายมือชื่อถูกต้อง", "Signature valid"),
    ("signature_untrusted", "ลายมือชื่อไม่ได้ออกโดยผู้ออกใบรับรองของระบบ", "Not certified by this node's authority"),
    ("signature_broken", "ลายมือชื่อไม่ถูกต้อง เอกสารถูกแก้ไขหลังลงนาม", "Signature invalid: the signed document was changed"),
    ("signatures_unreadable", "ตรวจลายมือชื่อบน PDF ไม่ได้", "The PDF's signatures could not be checked"),
    (
        "later_revisions",
        "ฉบับแก้ไขที่เพิ่มหลังลงนาม (เช่น เลขที่และวันที่)",
        "Revisions added after signing (such as the number and date)",
    ),
    // arrivals from outside and bulk receive
    ("arrival_new", "ลงรับหนังสือจากภายนอก", "Register a letter from outside"),
    (
        "arrival_intro",
        "หนังสือที่มาทางกระดาษ อีเมล โทรสาร หรือระบบอื่น แนบไฟล์สแกน (PDF หรือรูป JPEG, PNG, TIFF หน้าละรูป) ระบบจะออกเลขทะเบียนรับและประทับตรารับ",
        "A letter that came on paper, by e-mail, fax or another system: attach its scan (a PDF, or JPEG, PNG or TIFF images, one per page); it takes the next receive number and the receiving stamp",
    ),
    ("arrival_sender", "จาก (ผู้ส่ง)", "From (sender)"),
    (
        "arrival_sender_hint",
        "พิมพ์ชื่อแล้วเลือกจากทะเบียนรายชื่อหน่วยงานภายนอก",
        "Type the name and pick it from the address book of outside bodies",
    ),
    (
        "arrival_unknown_sender",
        "ไม่พบผู้ส่งนี้ในทะเบียนรายชื่อ ตรวจสอบชื่อ หรือทำเครื่องหมายเพื่อเพิ่มเข้าทะเบียนรายชื่อ",
        "This sender is not in the address book: check the name, or tick the box to add it",
    ),
    ("arrival_add_sender", "เพิ่มผู้ส่งนี้เข้าทะเบียนรายชื่อ", "Add this sender to the address book"),
    ("arrival_sender_number", "ที่ (เลขที่หนังสือของผู้ส่ง)", "Sender's letter number"),
    ("arrival_sender_date", "ลงวันที่ (ตามหนังสือ)", "Sender's date"),
    ("arrival_channel", "ได้รับทาง", "How it came"),
    ("channel_paper", "หนังสือกระดาษ", "On paper"),
    ("channel_email", "ทางไปรษณีย์อิเล็กทรอนิกส์", "By e-mail"),
    ("channel_fax", "ทางโทรสาร", "By fax"),
    ("channel_other_system", "จากระบบอื่น", "From another system"),
    ("arrival_scan", "ไฟล์สแกนหนังสือ", "Scan of the letter"),
    (
        "arrival_scan_hint",
        "PDF หนึ่งไฟล์ หรือรูป JPEG, PNG, TIFF ตามลำดับหน้า ไม่เกิน",
        "One PDF, or JPEG, PNG or TIFF images in page order, at most",
    ),
    ("arrival_register", "ลงรับหนังสือ", "Register the letter"),
    ("arrival_already", "หนังสือฉบับนี้ลงรับไว้แล้ว เลขทะเบียนรับ", "This letter is registered already, receive number"),
    (
        "arrival_already_help",
        "ผู้ส่ง ที่ และลงวันที่ตรงกับหนังสือที่ลงรับไว้แล้ว ถ้าเป็นหนังสือคนละฉบับ ให้ทำเครื่องหมายยืนยันด้านล่าง เลือกไฟล์อีกครั้ง แล้วกดลงรับ",
        "The sender, number and date match a letter registered before. If this is a different letter, tick the confirmation below, choose the files again and register it",
    ),
    (
        "arrival_confirm_different",
        "ยืนยันว่าเป็นหนังสือคนละฉบับกับที่ลงรับไว้แล้ว",
        "I confirm this is a different letter from the one registered",
    ),
    ("bulk_select", "เลือก", "Select"),
    ("bulk_receive", "ลงรับที่เลือก", "Receive selected"),
    ("bulk_result", "ผลการลงรับหนังสือที่เลือก", "Receiving the selected letters"),
    ("bulk_received_count", "ลงรับแล้ว", "Received"),
    ("bulk_failed_count", "ลงรับไม่ได้", "Not received"),
    ("bulk_not_received", "ลงรับไม่ได้", "Not received"),
    ("back_to_inbox", "กลับไปหนังสือเข้า", "Back to the inbox"),
    // errors
    ("error", "เกิดข้อผิดพลาด", "Something went wrong"),
    ("back", "ย้อนกลับ", "Back"),
    ("to_home", "ไปหน้าแรก", "Home"),
    ("exchange", "การแลกเปลี่ยนกับโหนดอื่น", "Exchange with other nodes"),
    (
        "exchange_intro",
        "คิวข้อความที่ส่งไปยังโหนดคู่ค้า ข้อความที่ส่งไม่สำเร็จจะส่งใหม่ตามกำหนดโดยใช้รหัสข้อความเดิมเสมอ",
        "The queue of messages to peer nodes; an undelivered message is tried again on the schedule, always with the same id",
    ),
    ("exchange_by_peer", "คิวแยกตามโหนดคู่ค้า", "The queue by peer node"),
    ("exchange_messages", "ข้อความในคิว", "Messages"),
    ("peer_node", "โหนดคู่ค้า", "Peer node"),
    ("queue_depth", "รอส่ง", "Waiting"),
    ("oldest_waiting", "รอนานที่สุดตั้งแต่", "Oldest waiting since"),
    ("seconds", "วินาที", "s"),
    ("message", "ข้อความ", "Message"),
    ("attempts", "จำนวนครั้งที่ส่ง", "Attempts"),
    ("queued_at", "เข้าคิวเมื่อ", "Queued"),
    ("retry_now", "ส่งใหม่ทันที", "Retry now"),
    ("cancel_message", "ยกเลิกการส่ง", "Cancel"),
    ("no_peers", "ยังไม่ได้กำหนดโหนดคู่ค้า", "No peer node is pinned"),
    ("no_messages", "ไม่มีข้อความ", "No messages"),
    ("done_message_retried", "กำหนดให้ส่งข้อความใหม่ทันทีแล้ว", "The message will be tried again now"),
    (
        "done_message_cancelled",
        "ยกเลิกการส่งข้อความแล้ว ผู้ส่งจะเห็นว่าถูกยกเลิก",
        "The message is cancelled; the sender sees it cancelled",
    ),
    ("message_kind_letter", "หนังสือ", "Letter"),
    ("message_kind_decision", "ผลการลงรับ/ปฏิเสธ", "Decision"),
    ("message_kind_recall", "การเรียกคืน", "Recall"),
    ("message_state_queued", "รอส่ง", "Queued"),
    ("message_state_at_peer", "ถึงโหนดปลายทางแล้ว", "At the peer"),
    ("message_state_recorded", "บันทึกแล้ว", "Recorded"),
    ("message_state_invalid", "ถูกปฏิเสธว่าไม่ถูกต้อง", "Refused as invalid"),
    ("message_state_failed", "ส่งไม่สำเร็จ", "Failed"),
    ("message_state_cancelled", "ยกเลิกแล้ว", "Cancelled"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, th, en) in TEXTS {
            assert!(seen.insert(*key), "{key} twice");
            assert!(!th.is_empty() && !en.is_empty(), "{key} empty");
        }
    }

    #[test]
    fn every_key_a_template_names_exists() {
        let texts = Lang::Th.texts();
        for (name, source) in super::super::render::TEMPLATES {
            let mut rest = *source;
            while let Some(at) = rest.find("t.") {
                let before = rest[..at].chars().last();
                rest = &rest[at + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                assert!(texts.contains_key(key.as_str()), "{name} names t.{key}, which has no text");
            }
        }
    }
}
