/* xml_error.h — what the two libxml2 readers (read_xml.c, read_xlsx.c)
 * share: libxml2 kept quiet on stderr, and the first error of the document
 * being read, with its line, for the reader's own message. */
#ifndef QUARRY_PROCESS_XML_ERROR_H
#define QUARRY_PROCESS_XML_ERROR_H

#include <libxml/xmlreader.h>

struct xml_error {
    char text[256];   /* "" until an error */
    int line;
};

/* Initialises libxml2 and silences its generic error handler (encoding
 * errors would go to stderr): the readers report errors themselves. Call
 * before opening a document. */
void xml_error_quiet(void);

/* Clears e and makes reader keep its first error (level error or worse)
 * in e. e must outlive the reader. */
void xml_error_watch(xmlTextReaderPtr reader, struct xml_error *e);

#endif
