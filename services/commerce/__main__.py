from service_runtime.serve import serve
from services.commerce.app import create_app

serve(create_app, "commerce", 8015)
