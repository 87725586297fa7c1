from service_runtime.serve import serve
from services.credit.app import create_app

serve(create_app, "credit", 8013)
