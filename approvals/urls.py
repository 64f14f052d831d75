from django.urls import path

from approvals import views

urlpatterns = [
    path("", views.review_list, name="review-list"),
    path("bulk/", views.review_bulk, name="review-bulk"),
    path("grid/", views.review_grid, name="review-grid"),
    path("<int:item_id>/", views.review_detail, name="review-detail"),
    path("<int:item_id>/note/", views.review_note_reading, name="review-note-reading"),
    path("<int:item_id>/decide/", views.review_decide_view, name="review-decide"),
]
