from service_runtime.serve import serve
from services.bank.app import create_app

serve(create_app, "bank", 8016)
