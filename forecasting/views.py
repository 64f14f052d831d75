from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import DecimalField, ExpressionWrapper, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from forecasting.selectors import sales_for


@login_required
def sale_list(request: HttpRequest) -> HttpResponse:
    line_total = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2))
    page = Paginator(sales_for(request.user).annotate(line_total=line_total), 50).get_page(request.GET.get("page"))
    return render(request, "forecasting/sale_list.html", {"page": page})
