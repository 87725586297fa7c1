from service_runtime.serve import serve
from services.tax.app import create_app

serve(create_app, "tax", 8011)
