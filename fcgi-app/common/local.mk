# fcgi-app/common
