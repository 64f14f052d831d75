from django.urls import path

from approvals import views

urlpatterns = [
    path("", views.review_list, name="review-list"),
    path("<int:item_id>/", views.review_detail, name="review-detail"),
]
