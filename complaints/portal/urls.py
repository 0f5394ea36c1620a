from django.urls import path

from complaints.reporting.portal_urls import urlpatterns as transparency_urls

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/<str:reference>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<str:reference>/filed/", views.complaint_filed, name="complaint-filed"),
    path("complaints/<str:reference>/reply/", views.complaint_reply, name="complaint-reply"),
    path("complaints/<str:reference>/accept/", views.complaint_accept, name="complaint-accept"),
    path("complaints/<str:reference>/dispute/", views.complaint_dispute, name="complaint-dispute"),
    path("complaints/<str:reference>/appeal/", views.complaint_appeal, name="complaint-appeal"),
    path("complaints/<str:reference>/withdraw/", views.complaint_withdraw, name="complaint-withdraw"),
    path("complaints/<str:reference>/rate/", views.complaint_rate, name="complaint-rate"),
    *transparency_urls,  # the public quarterly report (complaints.reporting)
]
