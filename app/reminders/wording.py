"""What the mails say, in each language the service writes in (app.core.languages)."""

from dataclasses import dataclass
from datetime import date

from app.core.languages import Language
from app.reminders.enums import ReminderKind


@dataclass(frozen=True)
class Occasion:
    """Why a lead is reminded of a commitment on a day; `key` makes it once only."""

    kind: ReminderKind
    key: str
    due: date | None
    days: int


@dataclass(frozen=True)
class Wording:
    subject_one: str
    subject_many: str
    greeting: str
    as_lead: str
    closing: str
    more: str
    due: str
    overdue: str
    stale: str
    open_due: str
    open_undated: str
    digest_subject: str
    digest_intro: str
    digest_totals: str
    digest_overdue: str
    digest_due_soon: str
    digest_stale: str
    digest_unled: str
    digest_nothing: str
    no_due_date: str
    leads: str

    def subject(self, count: int) -> str:
        return (self.subject_one if count == 1 else self.subject_many).format(count=count)

    def reason(self, occasion: Occasion) -> str:
        if occasion.kind is ReminderKind.due:
            return self.due.format(due=occasion.due, left=occasion.days)
        if occasion.kind is ReminderKind.overdue:
            return self.overdue.format(due=occasion.due, days=occasion.days)
        if occasion.kind is ReminderKind.stale:
            return self.stale.format(days=occasion.days)
        if occasion.due is None:
            return self.open_undated
        return self.open_due.format(due=occasion.due)


ENGLISH = Wording(
    subject_one="1 commitment you lead needs attention",
    subject_many="{count} commitments you lead need attention",
    greeting="Dear {name},",
    as_lead="As the {party} lead:",
    closing="Record progress on the board, where each link leads.",
    more="And {count} more you lead, on the board:",
    due="due {due}, in {left} day(s)",
    overdue="{days} day(s) overdue (due {due})",
    stale="no note for {days} days",
    open_due="open, due {due}",
    open_undated="open, no due date",
    digest_subject="{party} commitments, week {week}: {open} open, {overdue} overdue",
    digest_intro="The commitments {party} owes, as of {on}.",
    digest_totals=(
        "{open} open: {overdue} overdue, {due_soon} due within {days} days, {stale} stale, "
        "{unled} without a lead."
    ),
    digest_overdue="Overdue",
    digest_due_soon="Due within {days} days",
    digest_stale="No note for {days} days",
    digest_unled="Without a lead",
    digest_nothing="Nothing is overdue, due soon, stale or without a lead.",
    no_due_date="no due date",
    leads="leads",
)

KOREAN = Wording(
    subject_one="담당하신 약속 1건에 확인이 필요합니다",
    subject_many="담당하신 약속 {count}건에 확인이 필요합니다",
    greeting="{name} 님께,",
    as_lead="{party} 측 담당자로서 확인하실 사항:",
    closing="각 링크의 보드에서 진행 상황을 기록해 주십시오.",
    more="그 밖에 담당하신 약속 {count}건은 보드에서 확인하십시오:",
    due="마감 {due}, {left}일 남음",
    overdue="마감({due}) 후 {days}일 경과",
    stale="{days}일 동안 진행 기록 없음",
    open_due="진행 중, 마감 {due}",
    open_undated="진행 중, 마감일 없음",
    digest_subject="{party} 약속 주간 요약 ({week}): 진행 중 {open}건, 기한 경과 {overdue}건",
    digest_intro="{on} 기준 {party}의 약속 이행 현황입니다.",
    digest_totals=(
        "진행 중 {open}건: 기한 경과 {overdue}건, {days}일 이내 마감 {due_soon}건, "
        "기록 없음 {stale}건, 담당자 없음 {unled}건."
    ),
    digest_overdue="기한 경과",
    digest_due_soon="{days}일 이내 마감",
    digest_stale="{days}일 동안 진행 기록 없음",
    digest_unled="담당자 없음",
    digest_nothing="기한 경과, 임박, 기록 없음, 담당자 없는 약속이 없습니다.",
    no_due_date="마감일 없음",
    leads="담당",
)

JAPANESE = Wording(
    subject_one="ご担当のコミットメント1件について確認が必要です",
    subject_many="ご担当のコミットメント{count}件について確認が必要です",
    greeting="{name} 様",
    as_lead="{party}側の担当者としてご確認ください:",
    closing="各リンク先のボードで進捗を記録してください。",
    more="ほかにご担当の{count}件はボードでご確認ください:",
    due="期限 {due}（残り{left}日）",  # noqa: RUF001 (Japanese parentheses)
    overdue="期限 {due} から{days}日超過",
    stale="{days}日間、進捗の記録がありません",
    open_due="進行中、期限 {due}",
    open_undated="進行中、期限なし",
    digest_subject=(
        "{party}のコミットメント週次まとめ（{week}）: "  # noqa: RUF001 (Japanese parentheses)
        "進行中{open}件、期限超過{overdue}件"
    ),
    digest_intro="{on}時点の{party}のコミットメントの状況です。",
    digest_totals=(
        "進行中{open}件: 期限超過{overdue}件、{days}日以内に期限{due_soon}件、"
        "記録なし{stale}件、担当者なし{unled}件。"
    ),
    digest_overdue="期限超過",
    digest_due_soon="{days}日以内に期限",
    digest_stale="{days}日間記録なし",
    digest_unled="担当者なし",
    digest_nothing="期限超過、期限間近、記録なし、担当者なしのコミットメントはありません。",
    no_due_date="期限なし",
    leads="担当",
)

WORDINGS = {Language.en: ENGLISH, Language.ko: KOREAN, Language.ja: JAPANESE}


def wording_for(language: str | None) -> tuple[Language, Wording]:
    """The wording for a recipient's language; English when it is unknown or unset."""
    chosen = Language(language) if language in WORDINGS else Language.en
    return chosen, WORDINGS[chosen]
