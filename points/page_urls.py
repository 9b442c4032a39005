from points import gift_urls, my_urls, shop_urls

urlpatterns = [*shop_urls.page_urlpatterns, *gift_urls.page_urlpatterns, *my_urls.page_urlpatterns]
