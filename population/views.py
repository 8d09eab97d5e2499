from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.views import portal_login_required
from population import exports, imports, selectors, services
from population.forms import ResidentExportForm, ResidentForm, ResidentImportForm
from population.models import ImportStatus

PAGE_SIZE = 50


@portal_login_required
def resident_list(request):
    # The search is posted: a full ID number in a query string would end up in the address
    # bar, the browser history and every access log on the way.
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    residents = selectors.resident_list(user=request.user, query=query)
    return render(
        request,
        "population/resident_list.html",
        {
            "residents": residents[:PAGE_SIZE],
            "query": query,
            "may_register": request.user.has_perm("population.add_resident"),
            "export_form": ResidentExportForm(actor=request.user),
        },
    )


@portal_login_required
def resident_new(request):
    if not request.user.has_perm("population.add_resident"):
        # Leaders read the ledger: the page says so rather than offering a form to refuse.
        return render(request, "population/resident_form.html", {"form": None})
    form = ResidentForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("residents:detail", pk=resident.pk)
    return render(request, "population/resident_form.html", {"form": form})


@portal_login_required
def resident_detail(request, pk: int):
    # Out of scope is "not found": a page never confirms that a person it hides exists.
    resident = get_object_or_404(selectors.resident_list(user=request.user), pk=pk)
    return render(request, "population/resident_detail.html", {"resident": resident})


# --- Import and export ---------------------------------------------------------------------

FILE_TYPES = imports.CONTENT_TYPES


def _attachment(content: bytes, file_format: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FILE_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


@portal_login_required
def resident_import_template(request):
    file_format = "xlsx" if request.GET.get("format") != "csv" else "csv"
    return _attachment(imports.template_file(file_format), file_format, "residents-template")


@portal_login_required
def resident_import_new(request):
    may_import = request.user.has_perm("population.add_residentimport")
    form = ResidentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and may_import and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            resident_import = imports.resident_import_check(
                actor=request.user, file_name=upload.name, content=upload.read()
            )
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("residents:import", pk=resident_import.pk)
    imports_done = selectors.resident_import_list(user=request.user)[:IMPORTS_SHOWN]
    return render(
        request,
        "population/resident_import_form.html",
        {"form": form if may_import else None, "imports": imports_done},
    )


IMPORTS_SHOWN = 20
PROBLEMS_SHOWN = 500  # a page of problems; the rejected-rows file has them all


def _import_of(request, pk: int):
    return get_object_or_404(selectors.resident_import_list(user=request.user), pk=pk)


@portal_login_required
def resident_import_detail(request, pk: int):
    resident_import = _import_of(request, pk)
    labels = {column.key: column.label for column in imports.COLUMNS}
    problems = [
        {**found, "label": labels.get(found["column"], "")}
        for found in resident_import.problems[:PROBLEMS_SHOWN]
    ]
    return render(
        request,
        "population/resident_import_detail.html",
        {
            "resident_import": resident_import,
            "problems": problems,
            "more_problems": max(len(resident_import.problems) - PROBLEMS_SHOWN, 0),
            "may_load": request.user.has_perm("population.change_residentimport", resident_import),
        },
    )


@require_POST
@portal_login_required
def resident_import_load(request, pk: int):
    resident_import = _import_of(request, pk)
    if not request.user.has_perm("population.change_residentimport", resident_import):
        raise PermissionDenied
    was_loaded = resident_import.status == ImportStatus.LOADED
    try:
        loaded = imports.resident_import_load(
            actor=request.user,
            resident_import=resident_import,
            valid_only=request.POST.get("valid_only") == "1",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if was_loaded:
            messages.info(request, _("This file was loaded already; nothing was loaded again."))
        elif loaded.status == ImportStatus.LOADED:
            messages.success(
                request, _("%(count)d residents loaded.") % {"count": loaded.loaded_count}
            )
        else:
            messages.error(
                request,
                _("The file was checked again and has new problems; nothing was loaded."),
            )
    return redirect("residents:import", pk=pk)


@portal_login_required
def resident_import_rejected(request, pk: int):
    resident_import = _import_of(request, pk)
    if not request.user.has_perm("population.change_residentimport", resident_import):
        raise PermissionDenied  # the rows hold ID numbers in full: for those who keep them
    content = imports.rejected_rows_file(resident_import)
    return _attachment(content, resident_import.file_format, "rejected-rows")


@portal_login_required
def resident_export(request):
    form = ResidentExportForm(request.GET, actor=request.user)
    if not form.is_valid():
        raise Http404  # an area outside the user's scope "does not exist"
    residents = selectors.resident_export_list(user=request.user, area=form.cleaned_data["area"])
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        exports.resident_export_xlsx(residents),
        as_attachment=True,
        filename=f"residents-{stamp}.xlsx",
        content_type=FILE_TYPES["xlsx"],
    )
