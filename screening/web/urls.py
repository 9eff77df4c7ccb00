"""URLs of the caseworker web interview (namespace "web"). The result page, memo and PDF are in results_urls.py."""

from django.urls import path

from . import account, dashboard, member_reset, sessions, triage, two_factor, views

app_name = "web"

urlpatterns = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/", account.account, name="account"),
    path("accounts/session/", sessions.keepalive, name="session-keepalive"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("accounts/two-factor/backup-codes/", two_factor.backup_codes, name="two-factor-backup-codes"),
    path("accounts/members/", member_reset.members, name="members"),
    path("accounts/members/<int:user_id>/reset/", member_reset.member_reset, name="member-reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        member_reset.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/reset/done/", member_reset.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/done/", account.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("cases/", views.case_list, name="case-list"),
    path("triage/", triage.upload, name="triage"),
    path("triage/template.<str:kind>", triage.template, name="triage-template"),
    path("triage/jobs/<uuid:job_id>/", triage.job_page, name="triage-job"),
    path("triage/jobs/<uuid:job_id>/results.<str:kind>", triage.job_results, name="triage-results"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.<str:kind>", dashboard.export, name="dashboard-export"),
    path("dashboard/export-with-answers/", dashboard.export_with_answers, name="dashboard-export-answers"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<uuid:screening_id>/", views.case_start, name="case-start"),
    path("cases/<uuid:screening_id>/tasks/", views.tasks, name="tasks"),
    path("cases/<uuid:screening_id>/section/<slug:section_id>/", views.section, name="section"),
    path("cases/<uuid:screening_id>/question/<slug:question_id>/", views.question, name="question"),
    path("cases/<uuid:screening_id>/check/", views.check, name="check"),
    path("cases/<uuid:screening_id>/handover/", views.handover, name="handover"),
    path("cases/<uuid:screening_id>/complete/", views.complete, name="complete"),
    path(
        "cases/<uuid:screening_id>/warnings/<slug:check_id>/confirm/",
        views.warning_confirm,
        name="warning-confirm",
    ),
    path("cases/<uuid:screening_id>/notes/", views.case_notes, name="case-notes"),
    path("cases/<uuid:screening_id>/language/", views.interview_language, name="interview-language"),
    # Claimant mode (screening/web/claimant.py): the device handed to the claimant, and taken back.
    path("cases/<uuid:screening_id>/claimant/start/", views.claimant_start, name="claimant-start"),
    path("cases/<uuid:screening_id>/claimant/", views.claimant_handover, name="claimant-handover"),
    path("cases/<uuid:screening_id>/claimant/end/", views.claimant_end, name="claimant-end"),
    path("cases/<uuid:screening_id>/claimant/leave/", views.claimant_leave, name="claimant-leave"),
]
