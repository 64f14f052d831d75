from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from forecasting.selectors import sales_for


@login_required
def sale_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(sales_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "forecasting/sale_list.html", {"page": page})
