"""Smart City Showroom: builds the navigation from pages/ and the shared sidebar, nothing else."""

import streamlit as st

from core.config import ConfigError
from ui import data, kiosk, navigation, plain, scenario, widgets
from ui.i18n import t

st.set_page_config(page_title="Smart City Showroom", page_icon=":material/location_city:", layout="wide")
try:
    data.city()
except ConfigError as exc:
    st.error(t("common.config_error", "de", error=plain.markdown(str(exc))), icon=":material/error:")  # the file's text is text
    st.stop()
data.start_ingest()
scenario.from_url()  # before any page reads data: ?scenario=starkregen&speed=60 starts one
page = st.navigation(navigation.build(widgets.lang()), position="hidden" if widgets.kiosk() else "sidebar")
widgets.sidebar()
scenario.banner(widgets.lang())
if widgets.kiosk():
    kiosk.rotation(page.url_path)
with navigation.entered():
    page.run()
