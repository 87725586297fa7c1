from service_runtime.serve import serve
from services.police.app import create_app

serve(create_app, "police", 8012)
