from points import gift_urls, my_urls, shop_urls

urlpatterns = [*shop_urls.api_urlpatterns, *gift_urls.api_urlpatterns, *my_urls.api_urlpatterns]
