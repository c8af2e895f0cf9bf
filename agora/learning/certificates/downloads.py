"""The certificate PDF as an HTTP answer, shared by the API and the pages (each finds and
authorises the certificate its own way first)."""

from django.http import HttpResponse

from agora.learning.certificates.pdf import certificate_pdf
from agora.learning.models import Certificate


def certificate_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
