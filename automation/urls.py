from django.urls import path

from automation import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook-endpoints"),
    path("events/", views.event_types, name="webhook-event-types"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="webhook-endpoint"),
    path("<int:endpoint_id>/rotate/", views.endpoint_rotate, name="webhook-endpoint-rotate"),
    path("<int:endpoint_id>/toggle/", views.endpoint_toggle, name="webhook-endpoint-toggle"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="webhook-endpoint-delete"),
    path("deliveries/<int:delivery_id>/send-again/", views.delivery_send_again, name="webhook-delivery-send-again"),
]
