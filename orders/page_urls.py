from django.urls import path

from orders import pages

urlpatterns = [
    path("orders/menu/", pages.menu, name="orders-menu"),
    path("orders/register/", pages.register, name="orders-register"),
    path("orders/new/", pages.new_order, name="orders-new"),
    path("orders/mine/", pages.my_orders, name="orders-mine"),
    path("orders/team/", pages.team_inbox, name="orders-team"),
    path("orders/manage/", pages.manage, name="orders-manage"),
    path("orders/manage/new/", pages.manage_new, name="orders-manage-new"),
    path("orders/manage/statistics/", pages.manage_statistics, name="orders-statistics"),
    path("orders/board/<int:unit_pk>/", pages.board, name="orders-board"),
    path("orders/<int:pk>/", pages.order_detail, name="orders-detail"),
    path("orders/<int:pk>/photo/", pages.order_photo, name="orders-photo"),
    path("orders/<int:pk>/report-photos/<int:photo_pk>/", pages.report_photo, name="orders-report-photo"),
    path("orders/<int:pk>/cancel/", pages.cancel, name="orders-cancel"),
    path("orders/<int:pk>/review/", pages.review, name="orders-review"),
    path("orders/<int:pk>/dispatch/", pages.dispatch, name="orders-dispatch"),
    path("orders/<int:pk>/accept/", pages.accept, name="orders-accept"),
    path("orders/<int:pk>/decline/", pages.decline, name="orders-decline"),
    path("orders/<int:pk>/claim/", pages.claim, name="orders-claim"),
    path("orders/<int:pk>/reschedule/", pages.reschedule, name="orders-reschedule"),
    path("orders/<int:pk>/start/", pages.start, name="orders-start"),
    path("orders/<int:pk>/complete/", pages.complete, name="orders-complete"),
    path("orders/<int:pk>/rate/", pages.rate, name="orders-rate"),
    path("orders/<int:pk>/close/", pages.close, name="orders-close"),
]
